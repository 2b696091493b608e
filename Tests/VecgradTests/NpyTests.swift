import Foundation
import Testing
@testable import Vecgrad

// .npy reading and writing against bytes numpy 2.4 wrote (np.save into a BytesIO, printed as hex;
// the expression above each literal made it). CI has no numpy: the literals are numpy's output.

/// Bytes from a hex string given in pieces (one per source line).
private func hex(_ pieces: String...) -> [UInt8] {
    let text = Array(pieces.joined().utf8)
    return stride(from: 0, to: text.count, by: 2).map { UInt8(String(decoding: text[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
}

/// A version 1.0 file with the header text as given (no padding added) and raw data bytes: the
/// hand-made headers numpy would not write.
private func npy(header: String, data: [UInt8] = []) -> [UInt8] {
    let h = Array(header.utf8)
    return Npy.magic + [1, 0, UInt8(h.count & 0xFF), UInt8(h.count >> 8)] + h + data
}

/// The message of the TensorError `body` throws ("" when it throws none).
private func message(_ body: () throws -> Any) -> String {
    do { _ = try body() } catch { return "\(error)" }
    return ""
}

/// A fresh empty directory for file tests.
private func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "vecgrad-npy-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// What numpy wrote.
private enum NumpyBytes {
    /// np.array([[1.5, -2.0, 0.25], [3.0, np.inf, -0.0]], dtype='<f4')
    static let f32x2x3 = hex(
        "934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73652c202773686170",
        "65273a2028322c2033292c207d20202020202020202020202020202020202020202020202020202020202020202020202020202020202020",
        "2020202020202020202020202020200a0000c03f000000c00000803e000040400000807f00000080")
    /// np.array([[True, False, True], [False, False, True]])
    static let bool2x3 = hex(
        "934e554d5059010076007b276465736372273a20277c6231272c2027666f727472616e5f6f72646572273a2046616c73",
        "652c20277368617065273a2028322c2033292c207d202020202020202020202020202020202020202020202020202020",
        "202020202020202020202020202020202020202020202020202020202020200a010001000001")
    /// np.array(3.5)  # 0-d
    static let f64Scalar = hex(
        "934e554d5059010076007b276465736372273a20273c6638272c2027666f727472616e5f6f72646572273a2046616c73652c202773686170",
        "65273a2028292c207d2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020",
        "2020202020202020202020202020200a0000000000000c40")
    /// np.zeros((0, 3), dtype='<i8')
    static let i64Empty = hex(
        "934e554d5059010076007b276465736372273a20273c6938272c2027666f727472616e5f6f72646572273a2046616c73652c202773686170",
        "65273a2028302c2033292c207d20202020202020202020202020202020202020202020202020202020202020202020202020202020202020",
        "2020202020202020202020202020200a")
    /// np.arange(-12, 12).reshape(2, 3, 4)
    static let i64x2x3x4 = hex(
        "934e554d5059010076007b276465736372273a20273c6938272c2027666f727472616e5f6f72646572273a2046616c73652c202773686170",
        "65273a2028322c20332c2034292c207d20202020202020202020202020202020202020202020202020202020202020202020202020202020",
        "2020202020202020202020202020200af4fffffffffffffff5fffffffffffffff6fffffffffffffff7fffffffffffffff8ffffffffffffff",
        "f9fffffffffffffffafffffffffffffffbfffffffffffffffcfffffffffffffffdfffffffffffffffeffffffffffffffffffffffffffffff",
        "0000000000000000010000000000000002000000000000000300000000000000040000000000000005000000000000000600000000000000",
        "0700000000000000080000000000000009000000000000000a000000000000000b00000000000000")
    /// np.array([0.1, -1e300, np.nan, 2.0**-1074, 7.0])
    static let f64x5 = hex(
        "934e554d5059010076007b276465736372273a20273c6638272c2027666f727472616e5f6f72646572273a2046616c73652c202773686170",
        "65273a2028352c292c207d202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020",
        "2020202020202020202020202020200a9a9999999999b93f9c7500883ce437fe000000000000f87f01000000000000000000000000001c40")
    /// np.lib.format.write_array(f, np.array([1.5, -2.0, 0.25], dtype='<f4'), version=(2, 0))
    static let f32Version2 = hex(
        "934e554d50590200740000007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73652c20277368",
        "617065273a2028332c292c207d20202020202020202020202020202020202020202020202020202020202020202020202020202020202020",
        "2020202020202020202020202020200a0000c03f000000c00000803e")
    /// np.array([[1.5, -2.0], [0.25, 1e10]], dtype='>f4')
    static let bigF4 = hex(
        "934e554d5059010076007b276465736372273a20273e6634272c2027666f727472616e5f6f72646572273a2046616c73652c202773686170",
        "65273a2028322c2032292c207d20202020202020202020202020202020202020202020202020202020202020202020202020202020202020",
        "2020202020202020202020202020200a3fc00000c00000003e800000501502f9")
    /// np.array([[1.5, -2.0], [0.25, 1e10]], dtype='>f8')
    static let bigF8 = hex(
        "934e554d5059010076007b276465736372273a20273e6638272c2027666f727472616e5f6f72646572273a2046616c73652c202773686170",
        "65273a2028322c2032292c207d20202020202020202020202020202020202020202020202020202020202020202020202020202020202020",
        "2020202020202020202020202020200a3ff8000000000000c0000000000000003fd00000000000004202a05f20000000")
    /// np.array([[1, -2], [0, 10**10]], dtype='>i8')
    static let bigI8 = hex(
        "934e554d5059010076007b276465736372273a20273e6938272c2027666f727472616e5f6f72646572273a2046616c73652c202773686170",
        "65273a2028322c2032292c207d20202020202020202020202020202020202020202020202020202020202020202020202020202020202020",
        "2020202020202020202020202020200a0000000000000001fffffffffffffffe000000000000000000000002540be400")
    /// np.asfortranarray(np.arange(6.0).reshape(2, 3))
    static let fortran = hex(
        "934e554d5059010076007b276465736372273a20273c6638272c2027666f727472616e5f6f72646572273a20547275652c20277368617065",
        "273a2028322c2033292c207d2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020",
        "2020202020202020202020202020200a00000000000000000000000000000840000000000000f03f00000000000010400000000000000040",
        "0000000000001440")
    /// np.arange(3, dtype='<i4')
    static let int32 = hex(
        "934e554d5059010076007b276465736372273a20273c6934272c2027666f727472616e5f6f72646572273a2046616c73652c202773686170",
        "65273a2028332c292c207d202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020",
        "2020202020202020202020202020200a000000000100000002000000")
    /// np.zeros(2, dtype=[('a', '<f4'), ('b', '<i8')])
    static let structured = hex(
        "934e554d5059010076007b276465736372273a205b282761272c20273c663427292c20282762272c20273c693827295d2c2027666f727472",
        "616e5f6f72646572273a2046616c73652c20277368617065273a2028322c292c207d20202020202020202020202020202020202020202020",
        "2020202020202020202020202020200a000000000000000000000000000000000000000000000000")
}

@Suite struct NpyTests {
    @Test func readsWhatNumpyWrote() throws {
        let a = try Tensor.load(npyBytes: NumpyBytes.f32x2x3)
        #expect(a.shape == [2, 3] && a.dtype == .float32)
        #expect(a.scalars(as: Float.self) == [1.5, -2, 0.25, 3, .infinity, 0])
        #expect(a.scalars(as: Float.self)[5].sign == .minus)
        let s = try Tensor.load(npyBytes: NumpyBytes.f64Scalar)
        #expect(s.shape == [] && s.dtype == .float64 && s.scalars(as: Double.self) == [3.5])
        let e = try Tensor.load(npyBytes: NumpyBytes.i64Empty)
        #expect(e.shape == [0, 3] && e.dtype == .int64 && e.count == 0)
        let c = try Tensor.load(npyBytes: NumpyBytes.i64x2x3x4)
        #expect(c.shape == [2, 3, 4] && c.dtype == .int64 && c.scalars(as: Int64.self) == Array(-12..<12))
        let d = try Tensor.load(npyBytes: NumpyBytes.f64x5).scalars(as: Double.self)
        #expect(d.count == 5 && d[0] == 0.1 && d[1] == -1e300 && d[2].isNaN && d[3] == 0x1p-1074 && d[4] == 7)
        let mask = try Tensor.load(npyBytes: NumpyBytes.bool2x3)
        #expect(mask.shape == [2, 3] && mask.dtype == .bool && mask.scalars(as: Double.self) == [1, 0, 1, 0, 0, 1])
        let v2 = try Tensor.load(npyBytes: NumpyBytes.f32Version2)
        #expect(v2.shape == [3] && v2.scalars(as: Float.self) == [1.5, -2, 0.25])
    }

    @Test func writesWhatNumpyWrites() throws {
        let cases: [(Tensor, [UInt8])] = [
            (Tensor(shape: [2, 3], scalars: [1.5, -2, 0.25, 3, Float.infinity, -0.0] as [Float]), NumpyBytes.f32x2x3),
            (Tensor(shape: [], scalars: [3.5], dtype: .float64), NumpyBytes.f64Scalar),
            (Tensor(shape: [0, 3], scalars: [Int64](), dtype: .int64), NumpyBytes.i64Empty),
            (Tensor(shape: [2, 3, 4], scalars: Array(Int64(-12)..<12), dtype: .int64), NumpyBytes.i64x2x3x4),
            (Tensor(shape: [5], scalars: [0.1, -1e300, .nan, 0x1p-1074, 7], dtype: .float64), NumpyBytes.f64x5),
            (Tensor(shape: [2, 3], scalars: [1.0, 0, 1, 0, 0, 1]).gt(0.5), NumpyBytes.bool2x3),
        ]
        for (tensor, numpy) in cases { #expect(try tensor.npyBytes() == numpy, "\(tensor.shape) \(tensor.dtype)") }
    }

    @Test func headersArePaddedTo64Bytes() throws {
        let shapes: [[Int]] = [[], [0], [1], [17], [3, 5], [2, 1, 4, 1, 3], [123_456_789_012, 0], Array(repeating: 1, count: 40)]
        for shape in shapes {
            let bytes = Npy.header(descr: "<f4", shape: shape)
            let length = Int(bytes[8]) | Int(bytes[9]) << 8
            #expect(bytes.count % 64 == 0 && bytes[6] == 1 && length == bytes.count - 10 && bytes.last == 0x0A, "\(shape)")
            let text = String(decoding: bytes[10...], as: UTF8.self)
            #expect(try Npy.parseHeader(Array(bytes[10...]), source: "t").shape == shape, "\(text)")
        }
        // np.save's header for a 1-d shape and its room to grow dim 0 in place: 21 digits' worth of spaces.
        let header = String(decoding: Npy.header(descr: "<f8", shape: [7])[10...], as: UTF8.self)
        #expect(header.hasPrefix("{'descr': '<f8', 'fortran_order': False, 'shape': (7,), }" + String(repeating: " ", count: 20)))
    }

    @Test func aHeaderOver64KiBIsWrittenAsVersion2() throws {
        // (1, 1, ...) with 25000 dims needs 75000 bytes: more than version 1.0's 16-bit length.
        let t = try Tensor.full(Array(repeating: 1, count: 25_000), 2.5)
        let bytes = try t.npyBytes()
        let length = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
        #expect(bytes[6] == 2 && (12 + length) % 64 == 0 && bytes.count == 12 + length + 4)
        let back = try Tensor.load(npyBytes: bytes)
        #expect(back.shape == t.shape && back.scalars(as: Double.self) == [2.5])
    }

    @Test func bigEndianDataIsConverted() throws {
        let f4 = try Tensor.load(npyBytes: NumpyBytes.bigF4)
        #expect(f4.dtype == .float32 && f4.shape == [2, 2] && f4.scalars(as: Float.self) == [1.5, -2, 0.25, 1e10])
        let f8 = try Tensor.load(npyBytes: NumpyBytes.bigF8)
        #expect(f8.dtype == .float64 && f8.scalars(as: Double.self) == [1.5, -2, 0.25, 1e10])
        let i8 = try Tensor.load(npyBytes: NumpyBytes.bigI8)
        #expect(i8.dtype == .int64 && i8.scalars(as: Int64.self) == [1, -2, 0, 10_000_000_000])
    }

    @Test func otherLayoutsAndDtypesAreRefusedByName() {
        #expect(message { try Tensor.load(npyBytes: NumpyBytes.fortran) } == "npy bytes: fortran_order=True (column-major data) "
                + "is not supported; save a C-ordered copy (np.save(path, np.ascontiguousarray(a)))")
        #expect(message { try Tensor.load(npyBytes: NumpyBytes.int32) }
                == "npy bytes: unsupported .npy dtype '<i4'; Vecgrad reads '<f4', '<f8', '<i8', '|b1' and their big-endian forms")
        #expect(message { try Tensor.load(npyBytes: NumpyBytes.structured) } == "npy bytes: unsupported .npy dtype "
                + "[('a', '<f4'), ('b', '<i8')] (structured arrays are not read); "
                + "Vecgrad reads '<f4', '<f8', '<i8', '|b1' and their big-endian forms")
        let f2 = npy(header: "{'descr': '<f2', 'fortran_order': False, 'shape': (1,), }\n", data: [0, 0x3C])
        #expect(message { try Tensor.load(npyBytes: f2) }.contains("unsupported .npy dtype '<f2'"))
    }

    @Test func damagedFilesAreRefused() {
        let good = NumpyBytes.f32x2x3
        #expect(message { try Tensor.load(npyBytes: Array(good.dropLast(3))) }
                == "npy bytes: EOF: reading array data, expected 24 bytes got 21")
        #expect(message { try Tensor.load(npyBytes: Array(good.prefix(50))) }
                == "npy bytes: EOF: reading array header, expected 118 bytes got 40")
        #expect(message { try Tensor.load(npyBytes: [UInt8]()) } == "npy bytes: EOF: reading magic string, expected 8 bytes got 0")
        #expect(message { try Tensor.load(npyBytes: Array("PK\u{3}\u{4}zipfile".utf8)) }
                == "npy bytes: not a .npy file: the magic string is not correct; expected b'\\x93NUMPY', got 50 4b 3 4 7a 69")
        var v4 = good
        v4[6] = 4
        #expect(message { try Tensor.load(npyBytes: v4) }
                == "npy bytes: we only support format version (1,0), (2,0), and (3,0), not (4, 0)")
        #expect(message { try Tensor.load(npyBytes: npy(header: "{'descr': '<f4', 'shape': (1,)}")) }
                == "npy bytes: header does not contain the correct keys: ['descr', 'shape'] (expected 'descr', 'fortran_order', 'shape')")
        #expect(message { try Tensor.load(npyBytes: npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 2)}")) }
                == "npy bytes: shape is not valid: (-1, 2)")
        #expect(message { try Tensor.load(npyBytes: npy(header: "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}")) }
                == "npy bytes: fortran_order is not a valid bool: 0")
        #expect(message { try Tensor.load(npyBytes: npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2,")) }
                .hasPrefix("npy bytes: cannot parse header: expected an integer at byte "))
        let huge = npy(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4)}")
        #expect(message { try Tensor.load(npyBytes: huge) } == "Storage size calculation overflowed with sizes=[4611686018427387904, 4]")
    }

    @Test func olderAndHandWrittenHeadersAreRead() throws {
        // Python 2 numpy: 'L' suffixes, keys in another order, double quotes, 16-byte alignment.
        let old = npy(header: "{\"shape\": (2L, 1L), \"descr\": \">f8\", 'fortran_order': False}     \n",
                      data: [0x3F, 0xF0, 0, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0])
        let t = try Tensor.load(npyBytes: old)
        #expect(t.shape == [2, 1] && t.scalars(as: Double.self) == [1, -2])
        // Any collection of bytes: a slice with a nonzero start index, and bytes after the data (np.load ignores them).
        let padded = [0xAA, 0xBB] + NumpyBytes.f32Version2 + [1, 2, 3]
        #expect(try Tensor.load(npyBytes: padded[2...]).scalars(as: Float.self) == [1.5, -2, 0.25])
        #expect(try Tensor.load(npyBytes: Data(NumpyBytes.f64Scalar)).item() == 3.5)
    }

    @Test func filesRoundTrip() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tensors = [
            try Tensor.randn([3, 5, 17], seed: 1), try Tensor.randn([33], seed: 2, dtype: .float64),
            try Tensor.arange(-5, 12), Tensor(shape: [], scalars: [-0.75]), try Tensor.zeros([4, 0, 2], dtype: .float64),
            try Tensor.randn([2, 3], seed: 3, requiresGrad: true),
        ]
        let path = dir + "/t.npy"
        for t in tensors {
            try t.save(npy: path)   // replaces the previous file
            let back = try Tensor.load(npy: path)
            #expect(back.shape == t.shape && back.dtype == t.dtype && !back.requiresGrad)
            #expect(back.scalars(as: Double.self) == t.scalars(as: Double.self))
            #expect(try Array(Data(contentsOf: URL(fileURLWithPath: path))) == t.npyBytes())
        }
        // A view (row slice) saves its own elements.
        let rows = try tensors[0][1..<3]
        try rows.save(npy: path)
        #expect(try Tensor.load(npy: path).scalars(as: Float.self) == rows.scalars(as: Float.self))
        // numpy's file, read from disk.
        try Data(NumpyBytes.i64x2x3x4).write(to: URL(fileURLWithPath: dir + "/numpy.npy"))
        #expect(try Tensor.load(npy: dir + "/numpy.npy").scalars(as: Int64.self) == Array(-12..<12))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["numpy.npy", "t.npy"])
    }

    @Test func fileErrorsNameThePath() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(message { try Tensor.load(npy: dir + "/missing.npy") } == "[Errno 2] No such file or directory: '\(dir)/missing.npy'")
        #expect(message { try Tensor.load(npy: dir) } == "[Errno 21] Is a directory: '\(dir)'")
        let t = try Tensor.ones([2])
        #expect(message { try t.save(npy: dir + "/no/such/dir/t.npy") } == "[Errno 2] No such file or directory: '\(dir)/no/such/dir/t.npy'")
        // The rename over a non-empty directory fails: the directory stays and no temporary file is left.
        try FileManager.default.createDirectory(atPath: dir + "/taken/inside", withIntermediateDirectories: true)
        #expect(message { try t.save(npy: dir + "/taken") }.hasSuffix(": '\(dir)/taken'"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["taken"])
        try Data(NumpyBytes.int32).write(to: URL(fileURLWithPath: dir + "/i4.npy"))
        #expect(message { try Tensor.load(npy: dir + "/i4.npy") }.hasPrefix("\(dir)/i4.npy: unsupported .npy dtype '<i4'"))
    }
}
