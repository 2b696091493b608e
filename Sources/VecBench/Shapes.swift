// Operand shapes as text, shared by suite files and reports: dims joined by 'x', operands by ';'.
// "1048576" is one vector; "256x784;784x10" is the two operands of a matmul.

/// A malformed shape text, with the message that says what is wrong.
public struct ShapeSyntaxError: Error, Equatable, CustomStringConvertible {
    /// E.g. "'7.5' in shape '7.5x3' is not a whole number (write dims like 256x784)".
    public var message: String
    /// The message.
    public var description: String { message }
}

/// Largest element count of one operand (2^28: 1 GiB of float32, 2 GiB of float64, plus the float64
/// reference): a typo like 1000000000000 is an error, not an allocation that kills the process.
public let maxShapeElements = 1 << 28

/// Shapes as text: dims joined by "x", operands by ";" ([[256, 784], [784, 10]] -> "256x784;784x10").
public func formatShapes(_ shapes: [[Int]]) -> String {
    shapes.map { $0.map(String.init).joined(separator: "x") }.joined(separator: ";")
}

/// The inverse of `formatShapes`. Throws `ShapeSyntaxError` for an empty text or operand, a dim
/// that is not a whole number or is below 1, or an operand of more than `maxShapeElements` elements.
public func parseShapes(_ text: String) throws -> [[Int]] {
    guard !text.isEmpty else { throw ShapeSyntaxError(message: "no shape given") }
    return try text.split(separator: ";", omittingEmptySubsequences: false).map { operand in
        guard !operand.isEmpty else { throw ShapeSyntaxError(message: "empty operand shape in '\(text)'") }
        var elements = 1
        return try operand.split(separator: "x", omittingEmptySubsequences: false).map { dim in
            guard let d = Int(dim) else {
                throw ShapeSyntaxError(message: "'\(dim)' in shape '\(text)' is not a whole number (write dims like 256x784)")
            }
            guard d >= 1 else { throw ShapeSyntaxError(message: "dimension \(d) in shape '\(text)' must be at least 1") }
            let (product, overflow) = elements.multipliedReportingOverflow(by: d)
            guard !overflow, product <= maxShapeElements else {
                throw ShapeSyntaxError(message: "shape '\(operand)' has more than \(maxShapeElements) elements")
            }
            elements = product
            return d
        }
    }
}

/// Number of elements of one operand.
public func elementCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }
