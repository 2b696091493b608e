import Foundation

// SVG line charts as plain strings: throughput against size per variant, scaling against threads,
// and the activation figure of the tutorials. No plotting library: a chart is a few paths, axes
// and labels, and plain text keeps the static binary small and the output diffable.

/// One line of a chart: a name for the legend and its points in data coordinates.
public struct Series: Equatable, Sendable {
    /// The legend entry.
    public var name: String
    /// The points, drawn in the order given.
    public var points: [(x: Double, y: Double)]
    /// Drawn dashed (reference lines such as ideal scaling).
    public var dashed: Bool
    /// An interval per point, in the order of `points` (a 95% interval of the median), drawn as
    /// a vertical error bar; empty for none.
    public var errorBars: [(low: Double, high: Double)]
    /// An SVG colour ("#1f77b4") that overrides the palette, so that one name keeps one colour
    /// across charts; nil takes the palette's colour for the series' position.
    public var color: String? = nil
    /// A series as given.
    public init(name: String, points: [(x: Double, y: Double)], dashed: Bool = false, errorBars: [(low: Double, high: Double)] = []) {
        self.name = name; self.points = points; self.dashed = dashed; self.errorBars = errorBars
    }
    /// Same name, dash style, points, error bars and colour (tuples are not Equatable, so this is spelled out).
    public static func == (a: Series, b: Series) -> Bool {
        a.name == b.name && a.dashed == b.dashed && a.points.elementsEqual(b.points) { $0.x == $1.x && $0.y == $1.y }
            && a.errorBars.elementsEqual(b.errorBars) { $0.low == $1.low && $0.high == $1.high } && a.color == b.color
    }
}

/// An SVG line chart: title, axis labels, an optional log-scale x axis and its series.
public struct Chart: Sendable {
    /// Printed above the plot.
    public var title: String
    /// The x axis label.
    public var xLabel: String
    /// The y axis label.
    public var yLabel: String
    /// A logarithmic x axis (sizes, thread counts); points with x <= 0 are then left out.
    public var logX = false
    /// A logarithmic y axis with power-of-ten ticks (values spanning decades); points with
    /// y <= 0 are then left out.
    public var logY = false
    /// The lines, coloured from a fixed palette in this order.
    public var series: [Series]
    /// A chart as given.
    public init(title: String, xLabel: String, yLabel: String, logX: Bool = false, logY: Bool = false, series: [Series]) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.logX = logX; self.logY = logY; self.series = series
    }
}

/// SVG line charts as plain strings (no plotting library): throughput against size per variant,
/// scaling against threads, and the activation figure.
public enum Plot {
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    /// `s` with &, <, > and " escaped for SVG text and attributes.
    public static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func n(_ x: Double) -> String { TextFormat.fixed(x, 1) }

    /// 1, 2, 5 x 10^k steps giving about `count` ticks over [lo, hi].
    public static func niceTicks(_ lo: Double, _ hi: Double, count: Int = 5) -> [Double] {
        guard lo.isFinite, hi.isFinite, hi > lo else { return [lo] }
        let raw = (hi - lo) / Double(max(1, count))
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        var ticks: [Double] = []
        var t = (lo / step).rounded(.up) * step
        while t <= hi + step * 1e-9 { ticks.append(abs(t) < step * 1e-9 ? 0 : t); t += step }
        return ticks
    }

    /// "1K", "64K", "1M" for element counts (powers of two read best in binary units).
    public static func compactCount(_ x: Double) -> String {
        for (scale, suffix) in [(1 << 30, "G"), (1 << 20, "M"), (1 << 10, "K")] where x >= Double(scale) {
            let v = x / Double(scale)
            return (v == v.rounded() ? String(Int(v)) : TextFormat.fixed(v, 1)) + suffix
        }
        return x == x.rounded() ? String(Int(x)) : TextFormat.fixed(x, 2)
    }

    /// Tick labels with the decimals their spacing needs: 0, 0.5, 1 (not 0, 0.50, 1).
    static func labels(_ ticks: [Double]) -> [String] {
        guard ticks.count > 1 else { return ticks.map { TextFormat.fixed($0, 2) } }
        let step = abs(ticks[1] - ticks[0])
        if ticks.contains(where: { abs($0) >= 1e6 }) { return ticks.map { String($0) } }
        // The fewest decimals that write the step exactly (0.25 needs 2, 0.5 one, 2 none).
        let decimals = (0...6).first { d in let v = step * pow(10, Double(d)); return abs(v - v.rounded()) < 1e-6 * max(1, v) } ?? 6
        return ticks.map { TextFormat.fixed($0, decimals) }
    }

    /// Powers of two between lo and hi (> 0), at most about eight of them: sizes are powers of two.
    static func powerOfTwoTicks(_ lo: Double, _ hi: Double) -> [Double] {
        let (a, b) = (Int(floor(log2(lo) + 1e-9)), Int(ceil(log2(hi) - 1e-9)))
        let step = max(1, (b - a + 7) / 8)
        return stride(from: a, through: b, by: step).map { pow(2, Double($0)) }.filter { $0 >= lo * (1 - 1e-9) && $0 <= hi * (1 + 1e-9) }
    }

    /// One chart as a standalone SVG document.
    public static func svg(_ chart: Chart, width: Double = 640, height: Double = 400) -> String {
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(width))\" height=\"\(n(height))\" "
            + "viewBox=\"0 0 \(n(width)) \(n(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out += panel(chart, x: 0, y: 0, width: width, height: height)
        return out + "</svg>\n"
    }

    /// A chart drawn into the box (x, y, width, height), in SVG user units, of a larger SVG: the
    /// elements only, for a caller that stacks several charts in one `<svg>` (`HistoryTrend.svg`).
    public static func panel(_ chart: Chart, x ox: Double, y oy: Double, width: Double, height: Double) -> String {
        let (left, right, top, bottom) = (ox + 64, ox + width - 150, oy + 34, oy + height - 46)
        let drawable = { (p: (x: Double, y: Double)) in
            p.x.isFinite && p.y.isFinite && (!chart.logX || p.x > 0) && (!chart.logY || p.y > 0)
        }
        let all = chart.series.flatMap(\.points).filter(drawable)
        let barEnds = chart.series.flatMap { $0.errorBars.flatMap { [$0.low, $0.high] } }.filter { $0.isFinite && (!chart.logY || $0 > 0) }
        let tx: (Double) -> Double = chart.logX ? { log10($0) } : { $0 }
        let ty: (Double) -> Double = chart.logY ? { log10($0) } : { $0 }
        var (x0, x1) = (all.map { tx($0.x) }.min() ?? 0, all.map { tx($0.x) }.max() ?? 1)
        let ys = (all.map(\.y) + barEnds).map(ty)
        var (y0, y1) = (chart.logY ? ys.min() ?? 0 : min(0, ys.min() ?? 0), ys.max() ?? 1)
        if x1 <= x0 { x0 -= 0.5; x1 += 0.5 }
        if y1 <= y0 { y1 = y0 + 1 }
        if chart.logY { y0 -= (y1 - y0) * 0.05 }
        y1 += (y1 - y0) * 0.05
        let px = { (v: Double) in left + (tx(v) - x0) / (x1 - x0) * (right - left) }
        let py = { (v: Double) in bottom - (ty(v) - y0) / (y1 - y0) * (bottom - top) }

        var s = "<g>\n<text x=\"\(n((left + right) / 2))\" y=\"\(n(oy + 20))\" text-anchor=\"middle\" font-size=\"14\">"
            + escape(chart.title) + "</text>\n"
        s += "<rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(right - left))\" height=\"\(n(bottom - top))\" fill=\"none\" stroke=\"#888\"/>\n"
        let yTicks = chart.logY ? decadeTicks(y0, y1) : niceTicks(y0, y1)
        for (t, text) in zip(yTicks, chart.logY ? yTicks.map(decadeLabel) : labels(yTicks)) {
            s += "<line x1=\"\(n(left))\" y1=\"\(n(py(t)))\" x2=\"\(n(right))\" y2=\"\(n(py(t)))\" stroke=\"#e5e5e5\"/>"
                + "<text x=\"\(n(left - 6))\" y=\"\(n(py(t) + 4))\" text-anchor=\"end\">\(escape(text))</text>\n"
        }
        let xTicks: [(Double, String)]
        if chart.logX {
            xTicks = powerOfTwoTicks(pow(10, x0), pow(10, x1)).map { ($0, compactCount($0)) }
        } else if Set(all.map(\.x)).count <= 8, all.allSatisfy({ $0.x == $0.x.rounded() && abs($0.x) < 1e9 }) {
            // A few whole numbers (thread counts): ticks at them, not at 1.2 or 1.4.
            xTicks = Set(all.map(\.x)).sorted().map { ($0, String(Int($0))) }
        } else {
            let ticks = niceTicks(x0, x1)
            xTicks = Array(zip(ticks, labels(ticks)))
        }
        for (t, text) in xTicks {
            s += "<line x1=\"\(n(px(t)))\" y1=\"\(n(bottom))\" x2=\"\(n(px(t)))\" y2=\"\(n(bottom + 4))\" stroke=\"#888\"/>"
                + "<text x=\"\(n(px(t)))\" y=\"\(n(bottom + 17))\" text-anchor=\"middle\">\(escape(text))</text>\n"
        }
        s += "<text x=\"\(n((left + right) / 2))\" y=\"\(n(bottom + 36))\" text-anchor=\"middle\">\(escape(chart.xLabel))</text>\n"
        s += "<text transform=\"translate(\(n(ox + 16)),\(n((top + bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">"
            + escape(chart.yLabel) + "</text>\n"
        for (i, series) in chart.series.enumerated() {
            let color = series.color ?? palette[i % palette.count]
            let pts = series.points.filter(drawable)
            for (p, bar) in zip(series.points, series.errorBars) where drawable(p) && drawable((p.x, bar.low)) && drawable((p.x, bar.high)) {
                let (x, lo, hi) = (n(px(p.x)), n(py(bar.low)), n(py(bar.high)))
                let (a, b) = (n(px(p.x) - 4), n(px(p.x) + 4))
                s += "<path d=\"M\(x),\(lo) L\(x),\(hi) M\(a),\(lo) L\(b),\(lo) M\(a),\(hi) L\(b),\(hi)\" stroke=\"\(color)\" "
                    + "stroke-width=\"1.2\" fill=\"none\"/>\n"
            }
            if !pts.isEmpty {
                let d = pts.enumerated().map { j, p in (j == 0 ? "M" : "L") + "\(n(px(p.x))),\(n(py(p.y)))" }.joined(separator: " ")
                s += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\""
                    + (series.dashed ? " stroke-dasharray=\"6,4\"" : "") + "/>\n"
                if pts.count <= 40 {
                    for p in pts { s += "<circle cx=\"\(n(px(p.x)))\" cy=\"\(n(py(p.y)))\" r=\"3\" fill=\"\(color)\"/>\n" }
                }
            }
            let ly = top + 8 + Double(i) * 18
            s += "<line x1=\"\(n(right + 12))\" y1=\"\(n(ly))\" x2=\"\(n(right + 32))\" y2=\"\(n(ly))\" stroke=\"\(color)\" stroke-width=\"2\""
                + (series.dashed ? " stroke-dasharray=\"6,4\"" : "") + "/>"
                + "<text x=\"\(n(right + 38))\" y=\"\(n(ly + 4))\">\(escape(series.name))</text>\n"
        }
        return s + "</g>\n"
    }

    /// Ticks within [10^lo, 10^hi] for a log y axis (values, not exponents): the powers of ten
    /// when three or more fall inside, else 1, 2, 5 x 10^k; the range's ends when fewer than two.
    static func decadeTicks(_ lo: Double, _ hi: Double) -> [Double] {
        guard lo.isFinite, hi.isFinite, hi >= lo else { return [] }
        let k0 = Int(floor(lo)), k1 = max(Int(floor(lo)), Int(ceil(hi)))
        let inside = { (v: Double) in log10(v) >= lo - 1e-9 && log10(v) <= hi + 1e-9 }
        let decades = (k0...k1).map { pow(10, Double($0)) }.filter(inside)
        if decades.count >= 3 { return decades }
        let steps = (k0...k1).flatMap { k in [1.0, 2, 5].map { $0 * pow(10, Double(k)) } }.filter(inside)
        return steps.count >= 2 ? steps : [pow(10, lo), pow(10, hi)]
    }

    /// "0.01", "1", "1000", "20" for ticks between 10^-3 and 10^5, "1e6" beyond.
    static func decadeLabel(_ v: Double) -> String {
        let k = log10(v)
        if v >= 1e6, abs(k - k.rounded()) < 1e-9 { return "1e\(Int(k.rounded()))" }
        if v >= 1, v < 1e6, abs(v - v.rounded()) < 1e-9 * v { return String(Int(v.rounded())) }
        return TextFormat.fixed(v, v < 1 ? max(1, Int(-floor(k))) : 1)
    }

    /// Several charts side by side in one SVG.
    public static func svg(row charts: [Chart], panelWidth: Double = 520, height: Double = 380) -> String {
        let width = panelWidth * Double(max(1, charts.count))
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(width))\" height=\"\(n(height))\" "
            + "viewBox=\"0 0 \(n(width)) \(n(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        for (i, c) in charts.enumerated() { out += panel(c, x: Double(i) * panelWidth, y: 0, width: panelWidth, height: height) }
        return out + "</svg>\n"
    }
}
