#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// print(tensor) exactly as PyTorch prints it: a port of torch/_tensor_str.py with its default
// options (precision 4, linewidth 80, threshold 1000, edgeitems 3).

private let precision = 4
private let lineWidth = 80
private let threshold = 1000
private let edgeItems = 3

extension Tensor: CustomStringConvertible, CustomDebugStringConvertible {
    /// The tensor as PyTorch prints it (`tensor([[0.5000, 1.0000]], grad_fn=<MulBackward0>)`): a port
    /// of torch/_tensor_str.py with its defaults (precision 4, line width 80, summarised above 1000
    /// elements with 3 edge items); `dtype=torch.float64` and `requires_grad=True` suffixes as PyTorch.
    public var description: String {
        let prefix = "tensor("
        let indent = prefix.count
        var suffixes: [String] = []
        let body: String
        if count == 0 {
            if rank != 1 { suffixes.append("size=(" + shape.map(String.init).joined(separator: ", ") + ")") }
            if dtype != .float32 { suffixes.append("dtype=\(dtype)") }
            body = "[]"
        } else {
            if dtype == .float64 { suffixes.append("dtype=\(dtype)") }
            body = TensorPrinter(self).render(indent: indent)
        }
        if let fn = impl.gradFn {
            suffixes.append("grad_fn=<\(fn.name)>")
        } else if requiresGrad {
            suffixes.append("requires_grad=True")
        }
        return addSuffixes(prefix + body, suffixes, indent: indent)
    }

    /// The same text as `description`.
    public var debugDescription: String { description }

    /// torch's `_add_suffixes`, including its off-by-two line length quirk.
    private func addSuffixes(_ text: String, _ suffixes: [String], indent: Int) -> String {
        var out = text
        let chars = Array(text.utf8)
        let lastNewline = chars.lastIndex(of: UInt8(ascii: "\n")) ?? -1
        var lastLineLength = chars.count - lastNewline + 1
        for s in suffixes {
            if lastLineLength + s.utf8.count + 2 > lineWidth {
                out += ",\n" + String(repeating: " ", count: indent) + s
                lastLineLength = indent + s.utf8.count
            } else {
                out += ", " + s
                lastLineLength += s.utf8.count + 2
            }
        }
        return out + ")"
    }
}

/// Formats the elements of one non-empty tensor.
private struct TensorPrinter {
    let shape: [Int]
    let strides: [Int]
    let value: (Int) -> Double
    let intValue: (Int) -> Int64
    let floating: Bool
    /// bool elements print as Python's `True`/`False`, right-aligned like integers.
    let boolean: Bool
    let summarize: Bool
    var intMode = true
    var sciMode = false
    var maxWidth = 1

    init(_ t: Tensor) {
        shape = t.shape
        strides = Shape.strides(t.shape)
        floating = t.dtype.isFloatingPoint
        boolean = t.dtype == .bool
        summarize = t.count > threshold
        if t.dtype == .int64 {
            let p = t.pointer(Int64.self)
            intValue = { p[$0] }
            value = { Double(p[$0]) }
        } else if t.dtype == .bool {
            let p = t.pointer(UInt8.self)
            intValue = { Int64(p[$0]) }
            value = { Double(p[$0]) }
        } else {
            value = { t.element($0) }
            intValue = { Int64(tensorElement: t.element($0)) }
        }
        // The formatter sees only what will be printed (the summarised data when summarising).
        var indices: [Int] = []
        collect(offset: 0, dim: 0, into: &indices)
        if floating {
            configure(indices.map(value))
        } else {
            for i in indices { maxWidth = Swift.max(maxWidth, integerText(i).count) }
        }
    }

    private func collect(offset: Int, dim: Int, into indices: inout [Int]) {
        if dim == shape.count { indices.append(offset); return }
        let n = shape[dim]
        let picks: [Int] = summarize && n > 2 * edgeItems
            ? Array(0..<edgeItems) + Array((n - edgeItems)..<n) : Array(0..<n)
        for i in picks { collect(offset: offset + i * strides[dim], dim: dim + 1, into: &indices) }
    }

    /// torch's `_Formatter.__init__` for floating tensors.
    private mutating func configure(_ values: [Double]) {
        let finite = values.filter { $0.isFinite && $0 != 0 }
        guard !finite.isEmpty else { return }
        let absolute = finite.map(Swift.abs)
        let lo = absolute.min()!, hi = absolute.max()!
        intMode = finite.allSatisfy { $0 == $0.rounded(.up) }
        if intMode {
            if hi / lo > 1000 || hi > 1e8 {
                sciMode = true
                for v in finite { maxWidth = Swift.max(maxWidth, cFormat("%.\(precision)e", v).count) }
            } else {
                for v in finite { maxWidth = Swift.max(maxWidth, cFormat("%.0f", v).count + 1) }
            }
        } else if hi / lo > 1000 || hi > 1e8 || lo < 1e-4 {
            sciMode = true
            for v in finite { maxWidth = Swift.max(maxWidth, cFormat("%.\(precision)e", v).count) }
        } else {
            for v in finite { maxWidth = Swift.max(maxWidth, cFormat("%.\(precision)f", v).count) }
        }
    }

    /// torch's `_Formatter.format`: one element, right-aligned to the common width.
    func format(_ i: Int) -> String {
        var s: String
        if !floating {
            s = integerText(i)
        } else {
            let v = value(i)
            if v.isNaN { s = "nan" } else if v.isInfinite { s = v < 0 ? "-inf" : "inf" }
            else if sciMode { s = cFormat("%.\(precision)e", v) }
            else if intMode { s = cFormat("%.0f", v) + "." }
            else { s = cFormat("%.\(precision)f", v) }
        }
        let pad = maxWidth - s.count
        return pad > 0 ? String(repeating: " ", count: pad) + s : s
    }

    private func integerText(_ i: Int) -> String {
        boolean ? (intValue(i) != 0 ? "True" : "False") : String(intValue(i))
    }

    func render(indent: Int) -> String { render(offset: 0, dim: 0, indent: indent) }

    private func render(offset: Int, dim: Int, indent: Int) -> String {
        let rank = shape.count
        if rank == 0 { return format(0) }
        let n = shape[dim]
        let stride = strides[dim]
        if dim == rank - 1 {
            // _vector_str
            let elementsPerLine = Swift.max(1, (lineWidth - indent) / (maxWidth + 2))
            var data: [String]
            if summarize && n > 2 * edgeItems {
                data = (0..<edgeItems).map { format(offset + $0 * stride) } + [" ..."]
                    + ((n - edgeItems)..<n).map { format(offset + $0 * stride) }
            } else {
                data = (0..<n).map { format(offset + $0 * stride) }
            }
            var lines: [String] = []
            var start = 0
            while start < data.count {
                lines.append(data[start..<Swift.min(data.count, start + elementsPerLine)].joined(separator: ", "))
                start += elementsPerLine
            }
            return "[" + lines.joined(separator: ",\n" + String(repeating: " ", count: indent + 1)) + "]"
        }
        var slices: [String]
        if summarize && n > 2 * edgeItems {
            slices = (0..<edgeItems).map { render(offset: offset + $0 * stride, dim: dim + 1, indent: indent + 1) }
                + ["..."]
                + ((n - edgeItems)..<n).map { render(offset: offset + $0 * stride, dim: dim + 1, indent: indent + 1) }
        } else {
            slices = (0..<n).map { render(offset: offset + $0 * stride, dim: dim + 1, indent: indent + 1) }
        }
        let separator = "," + String(repeating: "\n", count: rank - dim - 1) + String(repeating: " ", count: indent + 1)
        return "[" + slices.joined(separator: separator) + "]"
    }
}

/// printf-style formatting of one Double without Foundation (keeps ICU out of static binaries).
private func cFormat(_ format: String, _ value: Double) -> String {
    var buffer = [CChar](repeating: 0, count: 64)
    _ = withVaList([value]) { args in
        vsnprintf(&buffer, buffer.count, format, args)
    }
    return String(cString: buffer)
}
