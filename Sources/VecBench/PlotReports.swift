// Charts drawn from report rows, and the activation figure.

/// An activation function and its derivative sampled on a grid.
public struct ActivationCurve: Equatable, Sendable {
    /// The activation's name.
    public var name: String
    /// The grid.
    public var x: [Double]
    /// f(x) at each grid point.
    public var y: [Double]
    /// f'(x) at each grid point.
    public var dy: [Double]
    /// A curve as given.
    public init(name: String, x: [Double], y: [Double], dy: [Double]) {
        self.name = name; self.x = x; self.y = y; self.dy = dy
    }
}

extension Plot {
    /// linspace(a, b, count), endpoints included (numpy / torch).
    public static func linspace(_ a: Double, _ b: Double, _ count: Int) -> [Double] {
        guard count > 1 else { return count == 1 ? [a] : [] }
        return (0..<count).map { a + (b - a) * Double($0) / Double(count - 1) }
    }

    /// Values and gradients side by side, one line per function.
    public static func activationFigure(_ curves: [ActivationCurve]) -> String {
        let values = Chart(title: "Activations", xLabel: "x", yLabel: "f(x)",
                           series: curves.map { c in Series(name: c.name, points: zip(c.x, c.y).map { (x: $0, y: $1) }) })
        let grads = Chart(title: "Gradients", xLabel: "x", yLabel: "f'(x) (autograd)",
                          series: curves.map { c in Series(name: c.name, points: zip(c.x, c.dy).map { (x: $0, y: $1) }) })
        return svg(row: [values, grads])
    }

    /// A file name from free text: letters, digits, '.', '-' and '_' only.
    public static func fileName(_ parts: [String]) -> String {
        let raw = parts.joined(separator: "-")
        return String(raw.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" ? $0 : "_" })
    }

    /// Throughput against the first operand's element count, one line per variant, for every
    /// (op, phase, dtype, threads, pinning) measured at two sizes or more.
    public static func throughputCharts(_ records: [BenchRecord]) -> [(name: String, svg: String)] {
        // One chart per case identity with the shapes and the variant left open.
        let groups = Dictionary(grouping: records) { $0.id.ignoring(variant: true).with(shapes: []) }
        var out: [(String, String)] = []
        for key in groups.keys.sorted() {
            let rows = groups[key]!
            guard Set(rows.map { formatShapes($0.shapes) }).count >= 2 else { continue }
            let byVariant = Dictionary(grouping: rows, by: \.variant)
            let series = byVariant.keys.sorted().map { v in
                Series(name: v, points: byVariant[v]!.map { (x: Double(elementCount($0.shapes[0])), y: $0.throughput) }
                    .sorted { $0.x < $1.x })
            }
            let unit = rows[0].unit.rawValue
            let (phase, dtype) = (key.phase.rawValue, key.dtype.rawValue)
            let chart = Chart(title: "\(key.op) \(phase) \(dtype), \(key.threads) thread\(key.threads == 1 ? "" : "s"), pin \(key.pinning)",
                              xLabel: "elements (first operand)", yLabel: unit, logX: true, series: series)
            out.append((fileName(["throughput", key.op, phase, dtype, "t\(key.threads)", key.pinning]) + ".svg", svg(chart)))
        }
        return out
    }

    /// Speed-up over one thread against the thread count, one line per variant plus the ideal,
    /// for every (op, phase, dtype, shapes, pinning) measured at two thread counts or more.
    public static func scalingCharts(_ records: [BenchRecord]) -> [(name: String, svg: String)] {
        // One chart per case identity with the thread count and the variant left open.
        let groups = Dictionary(grouping: records) { $0.id.ignoring(variant: true).with(threads: 0) }
        var out: [(String, String)] = []
        for key in groups.keys.sorted() {
            let rows = groups[key]!
            let threadCounts = Set(rows.map(\.threads))
            guard threadCounts.count >= 2 else { continue }
            let byVariant = Dictionary(grouping: rows, by: \.variant)
            var series: [Series] = []
            for v in byVariant.keys.sorted() {
                guard let one = byVariant[v]!.first(where: { $0.threads == 1 }) else { continue }
                series.append(Series(name: v, points: byVariant[v]!.map { (x: Double($0.threads), y: one.medianNs / $0.medianNs) }
                    .sorted { $0.x < $1.x }))
            }
            guard !series.isEmpty else { continue }
            let maxT = Double(threadCounts.max()!)
            series.append(Series(name: "ideal", points: [(x: 1, y: 1), (x: maxT, y: maxT)], dashed: true))
            let (phase, dtype, shapes) = (key.phase.rawValue, key.dtype.rawValue, formatShapes(key.shapes))
            let chart = Chart(title: "\(key.op) \(phase) \(dtype) \(shapes), pin \(key.pinning)",
                              xLabel: "threads", yLabel: "speed-up over 1 thread", series: series)
            out.append((fileName(["scaling", key.op, phase, dtype, shapes, key.pinning]) + ".svg", svg(chart)))
        }
        return out
    }
}
