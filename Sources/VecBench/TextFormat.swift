// Number and table formatting without String(format:), which drags Foundation's ICU data into
// static builds (35 MB more) for what a few lines do here.

/// Number and table formatting without `String(format:)` (which pulls Foundation's ICU data into
/// static builds).
public enum TextFormat {
    /// `x` with exactly `digits` decimals, rounded half away from zero: fixed(3.14159, 2) == "3.14".
    public static func fixed(_ x: Double, _ digits: Int) -> String {
        guard x.isFinite else { return x.isNaN ? "nan" : (x < 0 ? "-inf" : "inf") }
        let scale = (0..<digits).reduce(1.0) { r, _ in r * 10 }
        let scaled = (abs(x) * scale).rounded()
        guard scaled < 9e15 else { return String(x) }
        let whole = UInt64(scaled)
        let unit = UInt64(scale)
        var s = String(whole / unit)
        if digits > 0 {
            let frac = String(whole % unit)
            s += "." + String(repeating: "0", count: digits - frac.count) + frac
        }
        return (x < 0 && whole != 0 ? "-" : "") + s
    }

    /// Nanoseconds with a unit that keeps 3-4 significant digits: "812 ns", "1.25 us", "3.40 ms".
    public static func duration(_ ns: Double) -> String {
        guard ns.isFinite else { return "-" }
        let a = abs(ns)
        if a < 1e3 { return fixed(ns, a < 10 ? 2 : 0) + " ns" }
        if a < 1e6 { return fixed(ns / 1e3, a < 1e4 ? 2 : 1) + " us" }
        if a < 1e9 { return fixed(ns / 1e6, a < 1e7 ? 2 : 1) + " ms" }
        return fixed(ns / 1e9, 2) + " s"
    }

    /// Signed percentage: "+4.1%", "-12.0%".
    public static func percent(_ fraction: Double) -> String {
        (fraction >= 0 ? "+" : "") + fixed(fraction * 100, 1) + "%"
    }

    /// Columns padded to their widest cell; `rightAligned` holds the indexes of numeric columns.
    public static func table(_ header: [String], _ rows: [[String]], rightAligned: Set<Int> = []) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                let pad = String(repeating: " ", count: max(0, widths[i] - c.count))
                return rightAligned.contains(i) ? pad + c : c + pad
            }.joined(separator: "  ").replacingTrailingSpaces()
        }
        var out = [line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        out += rows.map(line)
        return out.joined(separator: "\n") + "\n"
    }
}

extension String {
    func replacingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
