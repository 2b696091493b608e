// NumPy's .npy format (numpy.lib.format): the magic string, a version, the header's length, a
// Python dict literal giving dtype, memory order and shape, padded so that the data starts at a
// multiple of 64 bytes, then the raw elements. Here: the dtype table, the header's writer (byte
// for byte what np.save writes) and its reader (versions 1.0, 2.0 and 3.0, any key order).

/// The .npy header: writing, reading, and the one table between dtypes and NumPy type codes.
enum Npy {
    /// The one place that maps dtypes to NumPy's type codes (kind letter and item size, without
    /// the byte-order character); reading and writing both use it. A new dtype is one line here
    /// (a bool dtype: `(.bool, "b1")`, written as '|b1').
    static let codes: [(dtype: DType, code: String)] = [
        (.float32, "f4"),
        (.float64, "f8"),
        (.int64, "i8"),
        (.bool, "b1"),
    ]

    /// "\x93NUMPY".
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]

    /// numpy leaves spaces after the dict so that dim 0 can grow in place (GROWTH_AXIS_MAX_DIGITS).
    static let growthDigits = 21

    /// The item size a type code names ("f4": 4).
    static func itemSize(_ code: String) -> Int { Int(code.dropFirst()) ?? 0 }

    /// The descr numpy writes for a type code on a little-endian machine: '<f4', or '|b1' for one-byte types.
    static func descr(code: String) -> String { (itemSize(code) == 1 ? "|" : "<") + code }

    /// The descr of `dtype`; nil for a dtype the table lacks.
    static func descr(_ dtype: DType) -> String? { codes.first { $0.dtype == dtype }.map { descr(code: $0.code) } }

    /// The descrs this reader accepts, for error messages ("'<f4', '<f8', '<i8'").
    static var supportedList: String { codes.map { "'\(descr(code: $0.code))'" }.joined(separator: ", ") }

    /// Magic, version, length and the padded header, exactly as `np.save` writes them: version 1.0
    /// unless the header needs more than 65535 bytes, then 2.0. `descr` as `descr(_:)` gives it.
    static func header(descr: String, shape: [Int]) -> [UInt8] {
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(dims), }"
        if let first = shape.first { dict += String(repeating: " ", count: Swift.max(0, growthDigits - String(first).count)) }
        var lengthBytes = 2
        var padded = 0
        while true {
            let withNewline = dict.utf8.count + 1
            padded = withNewline + 64 - (magic.count + 2 + lengthBytes + withNewline) % 64
            if lengthBytes == 4 || padded <= 0xFFFF { break }
            lengthBytes = 4
        }
        var bytes = magic + [lengthBytes == 2 ? 1 : 2, 0]
        for k in 0..<lengthBytes { bytes.append(UInt8(truncatingIfNeeded: padded >> (8 * k))) }
        bytes += Array(dict.utf8)
        bytes += [UInt8](repeating: 0x20, count: padded - dict.utf8.count - 1) + [0x0A]
        return bytes
    }

    /// What a header describes.
    struct Header: Equatable {
        /// The tensor's dtype.
        var dtype: DType
        /// Dims, outermost first.
        var shape: [Int]
        /// Bytes per element.
        var itemSize: Int
        /// Whether the elements are stored big-endian ('>f4') and must be byte-swapped.
        var bigEndian: Bool
    }

    /// The error every reading and writing failure throws: "SOURCE: what is wrong".
    static func failure(_ source: String, _ message: String) -> TensorError {
        .invalidArgument("\(source): \(message)")
    }

    /// The header's length field width for `major.minor` (2 bytes in 1.0, 4 in 2.0 and 3.0); throws
    /// numpy's message for other versions.
    static func lengthBytes(major: UInt8, minor: UInt8, source: String) throws -> Int {
        switch (major, minor) {
        case (1, 0): return 2
        case (2, 0), (3, 0): return 4
        default:
            throw failure(source, "we only support format version (1,0), (2,0), and (3,0), not (\(major), \(minor))")
        }
    }

    /// Parses the header dict. Throws for missing or extra keys, a dtype outside `codes`, Fortran
    /// order and an invalid shape, each message naming `source` and the offending value.
    static func parseHeader(_ bytes: [UInt8], source: String) throws -> Header {
        var parser = LiteralParser(bytes: bytes, source: source)
        let entries = try parser.dictionary()
        let keys = entries.map(\.key).sorted()
        guard keys == ["descr", "fortran_order", "shape"] else {
            throw failure(source, "header does not contain the correct keys: [\(keys.map { "'\($0)'" }.joined(separator: ", "))]"
                          + " (expected 'descr', 'fortran_order', 'shape')")
        }
        let values = Dictionary(uniqueKeysWithValues: entries.map { ($0.key, $0.value) })
        guard case let .string(descr)? = values["descr"] else {
            throw failure(source, "unsupported .npy dtype \(values["descr"]?.text ?? "") (structured arrays are not read); "
                          + "Vecgrad reads \(supportedList) and their big-endian forms")
        }
        guard case let .bool(fortran)? = values["fortran_order"] else {
            throw failure(source, "fortran_order is not a valid bool: \(values["fortran_order"]?.text ?? "")")
        }
        guard case let .ints(shape)? = values["shape"], shape.allSatisfy({ $0 >= 0 }) else {
            throw failure(source, "shape is not valid: \(values["shape"]?.text ?? "")")
        }
        var code = Substring(descr), bigEndian = false
        if let order = code.first, "<>|=".contains(order) {
            bigEndian = order == ">"
            code = code.dropFirst()
        }
        guard let dtype = codes.first(where: { $0.code == code })?.dtype else {
            throw failure(source, "unsupported .npy dtype '\(descr)'; Vecgrad reads \(supportedList) and their big-endian forms")
        }
        if fortran {
            throw failure(source, "fortran_order=True (column-major data) is not supported; "
                          + "save a C-ordered copy (np.save(path, np.ascontiguousarray(a)))")
        }
        return Header(dtype: dtype, shape: shape, itemSize: itemSize(String(code)), bigEndian: bigEndian && itemSize(String(code)) > 1)
    }
}

/// A value of the header's Python literal: the kinds the format uses, and anything else as its text.
enum NpyLiteral: Equatable {
    case string(String)
    case bool(Bool)
    case ints([Int])
    case other(String)

    /// The value as it appeared, for messages.
    var text: String {
        switch self {
        case let .string(s): return "'\(s)'"
        case let .bool(b): return b ? "True" : "False"
        case let .ints(v): return v.count == 1 ? "(\(v[0]),)" : "(" + v.map(String.init).joined(separator: ", ") + ")"
        case let .other(s): return s
        }
    }
}

/// Just enough of Python's literal syntax for a .npy header: a dict of quoted keys to quoted
/// strings, True/False and tuples of integers (a trailing L, from Python 2 writers, allowed); a
/// list or dict value (a structured dtype) is kept as text and refused by the caller.
struct LiteralParser {
    let bytes: [UInt8]
    let source: String
    var i = 0

    init(bytes: [UInt8], source: String) {
        self.bytes = bytes
        self.source = source
    }

    private var peek: UInt8? { i < bytes.count ? bytes[i] : nil }

    private mutating func skipSpace() {
        while let c = peek, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 }
    }

    private func malformed(_ what: String) -> TensorError {
        Npy.failure(source, "cannot parse header: \(what) at byte \(i) of \(String(decoding: bytes, as: UTF8.self).debugDescription)")
    }

    private mutating func expect(_ c: Character) throws {
        skipSpace()
        guard peek == c.asciiValue else { throw malformed("expected '\(c)'") }
        i += 1
    }

    /// `{key: value, ...}` with an optional trailing comma, then only whitespace.
    mutating func dictionary() throws -> [(key: String, value: NpyLiteral)] {
        try expect("{")
        var entries: [(key: String, value: NpyLiteral)] = []
        while true {
            skipSpace()
            if peek == UInt8(ascii: "}") { i += 1; break }
            guard case let .string(key) = try value() else { throw malformed("expected a quoted key") }
            try expect(":")
            entries.append((key, try value()))
            skipSpace()
            if peek == UInt8(ascii: ",") { i += 1 } else { try expect("}"); break }
        }
        skipSpace()
        guard i == bytes.count else { throw malformed("unexpected text after the dict") }
        return entries
    }

    private mutating func value() throws -> NpyLiteral {
        skipSpace()
        guard let c = peek else { throw malformed("unexpected end") }
        switch c {
        case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try quoted())
        case UInt8(ascii: "("): return .ints(try tuple())
        case UInt8(ascii: "["), UInt8(ascii: "{"): return .other(try bracketed())
        default:
            let start = i
            while let d = peek, d != UInt8(ascii: ","), d != UInt8(ascii: "}"), d != 0x20 { i += 1 }
            let word = String(decoding: bytes[start..<i], as: UTF8.self)
            switch word {
            case "True": return .bool(true)
            case "False": return .bool(false)
            default: return .other(word)
            }
        }
    }

    private mutating func quoted() throws -> String {
        let quote = bytes[i]
        i += 1
        let start = i
        while let c = peek, c != quote { i += c == UInt8(ascii: "\\") ? 2 : 1 }
        guard i < bytes.count else { throw malformed("unterminated string") }
        defer { i += 1 }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    private mutating func tuple() throws -> [Int] {
        try expect("(")
        var values: [Int] = []
        while true {
            skipSpace()
            if peek == UInt8(ascii: ")") { i += 1; return values }
            let start = i
            if peek == UInt8(ascii: "-") { i += 1 }
            while let c = peek, c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") { i += 1 }
            guard let v = Int(String(decoding: bytes[start..<i], as: UTF8.self)) else { throw malformed("expected an integer") }
            if peek == UInt8(ascii: "L") { i += 1 }
            values.append(v)
            skipSpace()
            if peek == UInt8(ascii: ",") { i += 1 } else { try expect(")"); return values }
        }
    }

    /// A list or dict value, skipped as balanced brackets outside quotes, returned as its text.
    private mutating func bracketed() throws -> String {
        let start = i
        var depth = 0
        repeat {
            guard let c = peek else { throw malformed("unbalanced brackets") }
            if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") { _ = try quoted(); continue }
            if c == UInt8(ascii: "[") || c == UInt8(ascii: "{") || c == UInt8(ascii: "(") { depth += 1 }
            if c == UInt8(ascii: "]") || c == UInt8(ascii: "}") || c == UInt8(ascii: ")") { depth -= 1 }
            i += 1
        } while depth > 0
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }
}
