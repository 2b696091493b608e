import Foundation

// The charts of the report page: throughput against size and against threads, one line per
// variant of ours and per anchor (PyTorch, JAX), each point with the 95% interval of its median
// as an error bar, the calibrated roofline as a dashed line where the rows carry roofline_pct,
// and a log y axis where the values span a decade or more.

extension HTMLReport {
    /// Throughput at the median and its 95% interval: throughput is inversely proportional to
    /// time, so the interval's slow end gives the low throughput.
    static func throughputBar(_ r: BenchRecord) -> (low: Double, high: Double) {
        (r.throughput * r.medianNs / r.ciHighNs, r.throughput * r.medianNs / r.ciLowNs)
    }

    /// The roofline throughput of a row: its throughput over the fraction of the roofline it reached.
    static func roofline(_ r: BenchRecord) -> Double? {
        guard let pct = r.rooflinePct, pct > 0 else { return nil }
        return r.throughput * 100 / pct
    }

    /// One colour per variant name across every chart of the page (others take the palette's).
    static let colors = ["scalar": "#8c564b", "naive": "#8c564b", "simd": "#1f77b4", "parallel": "#2ca02c", "auto": "#9467bd",
                         "blas": "#ff7f0e", "torch": "#d62728", "torch-alloc": "#e377c2", "jax": "#17becf", "roofline": "#555555"]

    /// One line per variant over `x`, plus the roofline of `ours` (dashed) where it has one.
    static func series(ours: [BenchRecord], anchors: [BenchRecord], x: (BenchRecord) -> Double) -> [Series] {
        let rows = ours + anchors
        let byVariant = Dictionary(grouping: rows, by: \.variant)
        var out = byVariant.keys.sorted().map { name -> Series in
            let sorted = byVariant[name]!.sorted { x($0) < x($1) }
            var line = Series(name: name, points: sorted.map { (x: x($0), y: $0.throughput) }, errorBars: sorted.map(throughputBar))
            line.color = colors[name]
            return line
        }
        let roof = Dictionary(grouping: ours.filter { roofline($0) != nil }, by: x).keys.sorted().compactMap { xv in
            ours.first { x($0) == xv }.flatMap(roofline).map { (x: xv, y: $0) }
        }
        if !roof.isEmpty {
            var line = Series(name: "roofline", points: roof, dashed: true)
            line.color = colors["roofline"]
            out.append(line)
        }
        return out
    }

    /// True when the positive values span a decade or more: a roofline 30x above the lines, or
    /// a scalar variant 50x below the others, would flatten a linear axis.
    static func spansDecade(_ values: [Double]) -> Bool {
        let positive = values.filter { $0 > 0 && $0.isFinite }
        guard let lo = positive.min(), let hi = positive.max() else { return false }
        return hi / lo >= 10
    }

    /// Every chart of a run: throughput against the first operand's element count for each
    /// (op, phase, dtype, threads, pinning, operand ranks) measured at two sizes or more, then against the thread
    /// count for each (op, phase, dtype, shapes, pinning) measured at two thread counts or more.
    /// Anchor rows join the charts of their op, phase, dtype and size or thread count.
    public static func charts(_ run: Run) -> [Chart] {
        // `rank`: the operands' dimension counts ("2;1" for 1024x1024;1024), so that one line
        // never joins shapes of different kinds (a broadcast add and a plain one of equal size).
        struct SizeKey: Hashable, Comparable {
            var op: String, phase: String, dtype: String, threads: Int, pin: String, rank: String
            static func < (a: Self, b: Self) -> Bool {
                (a.op, a.phase, a.dtype, a.threads, a.pin, a.rank) < (b.op, b.phase, b.dtype, b.threads, b.pin, b.rank)
            }
        }
        struct ThreadKey: Hashable, Comparable {
            var op: String, phase: String, dtype: String, shapes: String, pin: String
            static func < (a: Self, b: Self) -> Bool { (a.op, a.phase, a.dtype, a.shapes, a.pin) < (b.op, b.phase, b.dtype, b.shapes, b.pin) }
        }
        var charts: [Chart] = []
        let bySize = Dictionary(grouping: run.records) {
            SizeKey(op: $0.op, phase: $0.phase.rawValue, dtype: $0.dtype.rawValue, threads: $0.threads, pin: $0.pinning,
                    rank: $0.shapes.map { String($0.count) }.joined(separator: ";"))
        }
        for key in bySize.keys.sorted() {
            let rows = bySize[key]!
            guard Set(rows.map { elementCount($0.shapes[0]) }).count >= 2 else { continue }
            let sizes = Set(rows.map { formatShapes($0.shapes) })
            let anchors = run.anchors.filter {
                $0.op == key.op && $0.phase.rawValue == key.phase && $0.dtype.rawValue == key.dtype && $0.threads == key.threads
                    && sizes.contains(formatShapes($0.shapes))
            }
            let lines = series(ours: rows, anchors: anchors) { Double(elementCount($0.shapes[0])) }
            charts.append(Chart(title: "\(key.op) \(key.phase) \(key.dtype), \(key.threads) thread\(key.threads == 1 ? "" : "s"), pin \(key.pin)",
                                xLabel: "elements (first operand)", yLabel: rows[0].unit.rawValue, logX: true,
                                logY: spansDecade(lines.flatMap { $0.points.map(\.y) }), series: lines))
        }
        let byThreads = Dictionary(grouping: run.records) {
            ThreadKey(op: $0.op, phase: $0.phase.rawValue, dtype: $0.dtype.rawValue, shapes: formatShapes($0.shapes), pin: $0.pinning)
        }
        for key in byThreads.keys.sorted() {
            let rows = byThreads[key]!
            let threads = Set(rows.map(\.threads))
            guard threads.count >= 2, let lo = threads.min(), let hi = threads.max() else { continue }
            let anchors = run.anchors.filter {
                $0.op == key.op && $0.phase.rawValue == key.phase && $0.dtype.rawValue == key.dtype && formatShapes($0.shapes) == key.shapes
                    && threads.contains($0.threads)
            }
            let lines = series(ours: rows, anchors: anchors) { Double($0.threads) }
            charts.append(Chart(title: "\(key.op) \(key.phase) \(key.dtype) \(key.shapes), pin \(key.pin)",
                                xLabel: "threads", yLabel: rows[0].unit.rawValue, logX: hi >= 16 * lo,
                                logY: spansDecade(lines.flatMap { $0.points.map(\.y) }), series: lines))
        }
        return charts
    }
}
