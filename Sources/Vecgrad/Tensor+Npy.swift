#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

// Tensors to and from NumPy's .npy files and bytes (np.save / np.load of one array). PyTorch has
// no .npy reader of its own (torch.from_numpy(np.load(path)) is the idiom); NumPy's format is
// the spec here, and what Vecgrad writes is byte for byte what np.save writes for the same array.

extension Tensor {
    /// Reads a .npy file, as `torch.from_numpy(np.load(path))`: format versions 1.0, 2.0 and 3.0,
    /// C order, dtypes '<f4' (float32), '<f8' (float64), '<i8' (int64) and '|b1' (bool), big-endian '>f4',
    /// '>f8', '>i8' converted to the machine's order. Any shape, 0-d and empty included; the
    /// result does not require grad. The data is read straight into the new tensor's storage.
    /// Bytes after the data are ignored, as np.load ignores them.
    ///
    /// Throws `invalidArgument` with a message that names `path`: the system's reason when the
    /// file cannot be read ("[Errno 2] No such file or directory: 'x.npy'", Python's wording),
    /// a wrong magic string or version, a header that does not parse, another dtype (named, e.g.
    /// '<i4'), `fortran_order: True`, a negative size, data shorter than the shape needs; and
    /// `sizeOverflow`/`outOfMemory` for a shape too large to allocate.
    /// A `URL` is read with `Tensor.load(npy: url.path)`.
    public static func load(npy path: String) throws -> Tensor {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw NpyFile.systemError(path) }
        defer { close(fd) }
        return try Npy.decode(source: path) { buffer in try NpyFile.readFully(fd, into: buffer, path: path) }
    }

    /// Reads .npy bytes (a `[UInt8]`, `Data`, any collection of bytes) as `load(npy:)` reads a
    /// file; messages name the source "npy bytes".
    public static func load(npyBytes bytes: some Collection<UInt8>) throws -> Tensor {
        let array = Array(bytes)
        var position = 0
        return try array.withUnsafeBytes { all in
            try Npy.decode(source: "npy bytes") { buffer in
                let n = Swift.min(buffer.count, all.count - position)
                if n > 0 { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: all[position..<position + n])) }
                position += n
                return n
            }
        }
    }

    /// This tensor as .npy bytes, exactly what `np.save` writes for the same array (format 1.0,
    /// or 2.0 for a header over 64 KiB; little-endian; the header padded so that the data starts
    /// at a multiple of 64 bytes). Throws `unsupportedDType` for a dtype the format table lacks.
    public func npyBytes() throws -> [UInt8] {
        let header = try npyHeader()
        return header + Array(UnsafeRawBufferPointer(start: impl.data, count: count * dtype.byteSize))
    }

    /// Writes this tensor to a .npy file, as `np.save(path, t.numpy())` (the bytes of `npyBytes()`),
    /// atomically: into a temporary file beside `path`, flushed, then renamed over it, so that a
    /// reader sees the old file or the whole new one, and a failure leaves the old file as it was.
    /// Unlike np.save no ".npy" is appended to `path`. The gradient, if any, is not saved.
    /// Throws `invalidArgument` naming `path` with the system's reason when the file cannot be
    /// written, and `unsupportedDType` for a dtype the format table lacks.
    public func save(npy path: String) throws {
        let header = try npyHeader()
        let data = UnsafeRawBufferPointer(start: impl.data, count: count * dtype.byteSize)
        try header.withUnsafeBytes { h in try NpyFile.writeAtomically([h, data], to: path) }
    }

    private func npyHeader() throws -> [UInt8] {
        guard let descr = Npy.descr(dtype) else { throw TensorError.unsupportedDType(op: "save", dtype: dtype) }
        return Npy.header(descr: descr, shape: shape)
    }
}

extension Npy {
    /// Reads a whole .npy stream front to back: `fill(buffer)` copies the next bytes into `buffer`
    /// and returns how many it copied, fewer only at the end of the data.
    static func decode(source: String, fill: (UnsafeMutableRawBufferPointer) throws -> Int) throws -> Tensor {
        func read(_ count: Int, _ what: String) throws -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: count)
            let got = try bytes.withUnsafeMutableBytes(fill)
            guard got == count else { throw failure(source, "EOF: reading \(what), expected \(count) bytes got \(got)") }
            return bytes
        }
        let prefix = try read(magic.count + 2, "magic string")
        guard prefix.starts(with: magic) else {
            throw failure(source, "not a .npy file: the magic string is not correct; expected b'\\x93NUMPY', got "
                          + prefix.prefix(magic.count).map { String($0, radix: 16) }.joined(separator: " "))
        }
        let lengthField = try read(try lengthBytes(major: prefix[6], minor: prefix[7], source: source), "array header length")
        let headerLength = lengthField.enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        // A corrupt length must not allocate gigabytes; real headers are a few hundred bytes
        // (numpy's own reader refuses more than 10000 unless told otherwise).
        guard headerLength <= 1 << 20 else { throw failure(source, "header length \(headerLength) is too large (1 MiB at most)") }
        let header = try parseHeader(try read(headerLength, "array header"), source: source)
        let t = try Tensor(checkedShape: header.shape, dtype: header.dtype)
        let byteCount = t.count * header.itemSize
        let got = try fill(UnsafeMutableRawBufferPointer(start: t.impl.data, count: byteCount))
        guard got == byteCount else {
            throw failure(source, "EOF: reading array data, expected \(byteCount) bytes got \(got)")
        }
        if header.bigEndian { swapBytes(UnsafeMutableRawBufferPointer(start: t.impl.data, count: byteCount), itemSize: header.itemSize) }
        return t
    }

    /// Reverses the bytes of each `itemSize`-byte element in place (big-endian data to this machine's order).
    static func swapBytes(_ buffer: UnsafeMutableRawBufferPointer, itemSize: Int) {
        guard itemSize > 1 else { return }
        var start = 0
        while start + itemSize <= buffer.count {
            var lo = start, hi = start + itemSize - 1
            while lo < hi {
                buffer.swapAt(lo, hi)
                lo += 1
                hi -= 1
            }
            start += itemSize
        }
    }
}

/// Plain POSIX reads and the atomic write behind `load(npy:)` and `save(npy:)` (Vecgrad does not
/// import Foundation).
enum NpyFile {
    /// Distinguishes the temporary files of concurrent saves within one process.
    private static let sequence = Atomic<Int>(0)

    /// Python's OSError wording for the current errno: "[Errno 2] No such file or directory: 'x.npy'".
    static func systemError(_ path: String) -> TensorError {
        .invalidArgument("[Errno \(errno)] \(String(cString: strerror(errno))): '\(path)'")
    }

    /// Fills `buffer` from `fd`, stopping early only at end of file; returns the bytes read.
    static func readFully(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String) throws -> Int {
        var done = 0
        while done < buffer.count, let base = buffer.baseAddress {
            let n = read(fd, base + done, buffer.count - done)
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw systemError(path) }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Writes `chunks` one after the other into `path.<pid>.<n>.tmp`, flushes it to disk and renames
    /// it over `path`; on any failure removes the temporary file and throws with the system's reason.
    static func writeAtomically(_ chunks: [UnsafeRawBufferPointer], to path: String) throws {
        let temp = "\(path).\(getpid()).\(sequence.wrappingAdd(1, ordering: .relaxed).newValue).tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw systemError(path) }
        var failure: TensorError? = nil
        outer: for chunk in chunks {
            var done = 0
            while done < chunk.count, let base = chunk.baseAddress {
                let n = write(fd, base + done, chunk.count - done)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { failure = systemError(path); break outer }
                done += n
            }
        }
        if failure == nil && fsync(fd) != 0 { failure = systemError(path) }
        close(fd)
        if failure == nil && rename(temp, path) != 0 { failure = systemError(path) }
        if let failure {
            unlink(temp)
            throw failure
        }
    }
}
