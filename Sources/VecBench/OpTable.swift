import Foundation
import VecKernels

/// The op records as data, for tools outside Swift: `vecbench ops --json` writes this, and
/// Benchmarks/torch_anchors.py reads it instead of keeping its own tables of PyTorch calls,
/// cost models and input ranges.
public enum OpTable {
    /// One entry per catalog unary op (UnaryOp.catalog), with PyTorch's default parameters.
    public static var unary: [UnaryInfo] { UnaryOp.catalog.map(\.info) }

    /// `{"unary": [...]}`, keys sorted, pretty-printed.
    public static func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(["unary": unary])
    }

    /// A text table: name, PyTorch node, what backward saves, flops, bench range, ULP bounds.
    public static func text() -> String {
        var rows = [["op", "torch node", "saves", "flops", "bench inputs", "ulp f32", "ulp f64"]]
        for u in unary {
            rows.append([u.name, u.torchNode, u.saved.rawValue, format(u.flops),
                         "\(format(u.domain.bench.lowerBound))..\(format(u.domain.bench.upperBound))",
                         format(u.ulpBound32), format(u.ulpBound64)])
        }
        let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { r in
            r.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n") + "\n"
    }

    private static func format(_ v: Double) -> String { v == v.rounded() && Swift.abs(v) < 1e15 ? String(Int(v)) : String(v) }
}
