import Foundation
import Vecgrad
import VecPlatform

// Suite files (Benchmarks/*.suite): one case per line, `key=value` pairs separated by spaces,
// lists separated by commas, `#` starts a comment. Example:
//
//   op=sigmoid phase=forward shapes=1024,1048576 dtype=float32 variants=scalar,simd threads=1,2 pin=none
//   op=matmul shapes=256x256;256x256 variants=all threads=1-max pin=compact,scatter
//
// Keys: op (required), shapes (required: shape sets separated by ',', operands within a set by
// ';', dims by 'x'), phase (forward, backward or both; default forward), dtype (default float32),
// variants (names or `all`; default all), threads (counts, ranges a-b, `max` = this machine's
// PUs, `pow2` = 1,2,4,..,max; default 1), pin (none, compact, scatter; default none),
// min_time_ms (per-case measuring time; default from the command line).

/// A problem in a suite file, located by line.
public struct SuiteError: Error, CustomStringConvertible, Equatable {
    /// The suite file's path (or the name given to suite text from elsewhere).
    public var file: String
    /// 1-based line; nil for a problem of the whole file.
    public var line: Int?
    /// What is wrong.
    public var message: String
    /// An error located as given.
    public init(file: String, line: Int?, _ message: String) { self.file = file; self.line = line; self.message = message }
    /// "file:line: message", or "file: message" without a line.
    public var description: String { line.map { "\(file):\($0): \(message)" } ?? "\(file): \(message)" }
}

/// Every problem found in one suite file; the suite runs only when there are none.
public struct SuiteErrors: Error, CustomStringConvertible, Equatable {
    /// The problems, in line order.
    public var errors: [SuiteError]
    /// One problem per line.
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// One token of a suite's `threads=` list, resolved against the machine's PU count.
public enum ThreadCount: Equatable, Sendable {
    /// That many threads (`threads=4`).
    case exactly(Int)
    /// 1 through the CPU count (`resolve`'s), or `max` alone when the range ends in max.
    case range(Int, Int?)
    /// The CPU count (`threads=max`): the CPUs the process may use, as `vecbench run` passes it.
    case max
    /// 1, 2, 4, ... below the CPU count, then the CPU count itself (`threads=pow2`).
    case powersOfTwo

    /// The thread counts this token stands for with `machinePUs` CPUs (empty for a range whose
    /// start lies beyond its given end; `a-max` beyond the CPUs is `a` alone).
    public func resolve(machinePUs: Int) -> [Int] {
        switch self {
        case .exactly(let n): return [n]
        // a-max with fewer CPUs than a (under taskset) is a alone, run as the cap allows (with the
        // note that says so), not an empty range that drops the line's parallel cases.
        case .range(let a, nil): return a <= machinePUs ? Array(a...machinePUs) : [a]
        case .range(let a, let b?): return a <= b ? Array(a...b) : []
        case .max: return [machinePUs]
        case .powersOfTwo:
            var out: [Int] = []
            var n = 1
            while n < machinePUs { out.append(n); n *= 2 }
            return out + [machinePUs]
        }
    }
}

/// One line of a suite, syntax checked.
public struct SuiteLine: Equatable, Sendable {
    /// The 1-based line in the suite file.
    public var line: Int
    /// The catalog op name (`op=`).
    public var op: String
    /// One entry per shape set of `shapes=`, each the operands' shapes.
    public var shapeSets: [[[Int]]]
    /// `phase=`: forward, backward or both (default forward).
    public var phases: [Phase] = [.forward]
    /// `dtype=` (default float32).
    public var dtypes: [DType] = [.float32]
    /// nil = every variant of the op.
    public var variants: [String]? = nil
    /// `threads=` tokens (default 1).
    public var threads: [ThreadCount] = [.exactly(1)]
    /// `pin=` policies (default none).
    public var pinning: [PinningPolicy] = [.none]
    /// `min_time_ms=`, the per-case measuring time; nil takes the command line's.
    public var minTimeMs: Int? = nil
}

/// One measurement the runner will make.
public struct PlannedCase: Equatable, Sendable {
    /// Op, phase, dtype, shapes, variant, threads and pinning of the case: the identity its
    /// report row will carry.
    public var id: CaseID
    /// The line's measuring time, if it set one.
    public var minTimeMs: Int?
    /// The suite line it came from.
    public var line: Int

    /// A planned case as given.
    public init(id: CaseID, minTimeMs: Int? = nil, line: Int) { self.id = id; self.minTimeMs = minTimeMs; self.line = line }

    /// How the pool's threads are pinned for it: `id.pinning` as a policy (a planned case never
    /// holds the wildcard, and anything unknown runs unpinned).
    public var pinning: PinningPolicy {
        get { PinningPolicy(rawValue: id.pinning) ?? .none }
        set { id.pinning = newValue.rawValue }
    }
}

/// Suite files (Benchmarks/*.suite): one line of `key=value` pairs per group of cases; parsing,
/// validation against the catalog and expansion into planned cases.
public enum Suite {
    /// The keys a suite line may use.
    public static let keys = ["op", "shapes", "phase", "dtype", "variants", "threads", "pin", "min_time_ms"]

    /// Reads and syntax-checks a suite file (no catalog check). Throws `SuiteErrors`: "cannot read the
    /// suite file (missing or unreadable)", "is not valid UTF-8 text", "defines no cases", or every bad line.
    public static func load(path: String) throws -> [SuiteLine] {
        try parse(try readText(path), file: path)
    }

    static func readText(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SuiteErrors(errors: [SuiteError(file: path, line: nil, "cannot read the suite file (missing or unreadable)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SuiteErrors(errors: [SuiteError(file: path, line: nil, "is not valid UTF-8 text")])
        }
        return text
    }

    /// Syntax check of a whole file; throws `SuiteErrors` with every bad line.
    public static func parse(_ text: String, file: String) throws -> [SuiteLine] {
        let (lines, errors) = parseCollecting(text, file: file)
        guard errors.isEmpty else { throw SuiteErrors(errors: errors) }
        return lines
    }

    /// Loads, parses and validates a suite file, reporting syntax and catalog errors together,
    /// in line order.
    public static func loadValidated(path: String, catalog: OpCatalog) throws -> [SuiteLine] {
        try loadValidated(text: try readText(path), file: path, catalog: catalog)
    }

    /// The same for suite text from elsewhere (stdin, `--case`); `file` names it in errors.
    public static func loadValidated(text: String, file: String, catalog: OpCatalog) throws -> [SuiteLine] {
        var (lines, errors) = parseCollecting(text, file: file)
        do { try validate(lines, catalog: catalog, file: file) } catch let e as SuiteErrors { errors += e.errors }
        guard errors.isEmpty else {
            throw SuiteErrors(errors: errors.sorted { ($0.line ?? 0) < ($1.line ?? 0) })
        }
        return lines
    }

    static func parseCollecting(_ text: String, file: String) -> ([SuiteLine], [SuiteError]) {
        var lines: [SuiteLine] = []
        var errors: [SuiteError] = []
        for (i, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let content = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
                .trimmingCharacters(in: .whitespacesAndNewlines)
            if content.isEmpty { continue }
            do { lines.append(try parseLine(content, line: i + 1)) } catch {
                errors.append(SuiteError(file: file, line: i + 1, (error as? LineError)?.text ?? "\(error)"))
            }
        }
        if errors.isEmpty && lines.isEmpty { errors.append(SuiteError(file: file, line: nil, "defines no cases")) }
        return (lines, errors)
    }

    struct LineError: Error { var text: String; init(_ t: String) { text = t } }

    static func parseLine(_ content: String, line: Int) throws -> SuiteLine {
        var fields: [String: String] = [:]
        for token in content.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            let parts = token.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw LineError("'\(token)' is not key=value (e.g. op=sigmoid)") }
            let key = String(parts[0]), value = String(parts[1])
            guard keys.contains(key) else {
                throw LineError("unknown key '\(key)'\(suggestion(key, keys)); keys are \(keys.joined(separator: ", "))")
            }
            guard fields[key] == nil else { throw LineError("key '\(key)' given twice") }
            guard !value.isEmpty else { throw LineError("key '\(key)' has no value") }
            fields[key] = value
        }
        guard let op = fields["op"] else { throw LineError("missing op= (e.g. op=sigmoid)") }
        guard let shapesText = fields["shapes"] else { throw LineError("missing shapes= (e.g. shapes=1048576)") }
        var s = SuiteLine(line: line, op: op, shapeSets: [])
        s.shapeSets = try list(shapesText).map {
            do { return try parseShapes($0) } catch let e as ShapeSyntaxError { throw LineError(e.message) }
        }
        if let v = fields["phase"] {
            s.phases = try list(v).flatMap { p -> [Phase] in
                if p == "both" { return [.forward, .backward] }
                guard let phase = Phase(rawValue: p) else { throw LineError("phase '\(p)' is not forward, backward or both") }
                return [phase]
            }
        }
        if let v = fields["dtype"] {
            s.dtypes = try list(v).map {
                guard let d = DType(rawValue: $0) else {
                    // The built-in ops take the floating dtypes; int64 and bool only exist for custom ops.
                    let floating = OpEntry.floatingDTypes.map(\.rawValue)
                    throw LineError("dtype '\($0)' is not supported\(suggestion($0, floating)); the built-in ops take "
                                    + "\(floating.joined(separator: " and ")) (vecbench run --list gives each op's)")
                }
                return d
            }
        }
        if let v = fields["variants"], v != "all" { s.variants = try list(v) }
        if let v = fields["threads"] { s.threads = try list(v).map(parseThreads) }
        if let v = fields["pin"] {
            s.pinning = try list(v).map {
                guard let p = PinningPolicy(rawValue: $0) else { throw LineError("pin '\($0)' is not none, compact or scatter") }
                return p
            }
        }
        if let v = fields["min_time_ms"] {
            guard let ms = Int(v), ms > 0, ms <= 600_000 else { throw LineError("min_time_ms '\(v)' is not a whole number in 1...600000") }
            s.minTimeMs = ms
        }
        return s
    }

    static func list(_ value: String) throws -> [String] {
        let items = value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard !items.contains(where: \.isEmpty) else { throw LineError("empty item in list '\(value)'") }
        return items
    }

    /// A `threads=` value on its own ("1,2", "1-max", "pow2"), for command-line overrides; nil if invalid.
    public static func threadTokens(_ text: String) -> [ThreadCount]? {
        try? list(text).map(parseThreads)
    }

    static func parseThreads(_ t: String) throws -> ThreadCount {
        func count(_ s: Substring) throws -> Int {
            // An empty part is a sign read as a range ("-1" is "" to "1"): name the whole item then.
            guard let n = Int(s), n >= 1, n <= 4096 else {
                throw LineError("thread count '\(s.isEmpty ? t : String(s))' is not a whole number in 1...4096")
            }
            return n
        }
        if t == "max" { return .max }
        if t == "pow2" { return .powersOfTwo }
        let parts = t.split(separator: "-", omittingEmptySubsequences: false)
        if parts.count == 2 {
            let a = try count(parts[0])
            if parts[1] == "max" { return .range(a, nil) }
            let b = try count(parts[1])
            guard a <= b else { throw LineError("thread range '\(t)' runs backwards") }
            return .range(a, b)
        }
        return .exactly(try count(Substring(t)))
    }

    /// Checks every line against the catalog: op, variants, dtypes, phases, operand count, shapes.
    public static func validate(_ lines: [SuiteLine], catalog: OpCatalog, file: String) throws {
        var errors: [SuiteError] = []
        for s in lines {
            func add(_ m: String) { errors.append(SuiteError(file: file, line: s.line, m)) }
            guard let entry = catalog.entry(named: s.op) else {
                // Op names may hold commas (softplus(beta=2,threshold=20)), so op= is never a list.
                let parts = s.op.split(separator: ",")
                let oneEach = parts.count > 1 && parts.allSatisfy { catalog.entry(named: String($0)) != nil }
                    ? " (op= names one op: one line per op)" : ""
                add("unknown op '\(s.op)'\(oneEach)\(suggestion(s.op, catalog.names)); known ops: \(catalog.names.joined(separator: ", "))")
                continue
            }
            for v in s.variants ?? [] where !entry.variants.contains(v) {
                add("op \(s.op) has no variant '\(v)'\(suggestion(v, entry.variants)); its variants: \(entry.variants.joined(separator: ", "))")
            }
            for d in s.dtypes where !entry.dtypes.contains(d) {
                add("op \(s.op) does not support dtype \(d.rawValue); its dtypes: \(entry.dtypes.map(\.rawValue).joined(separator: ", "))")
            }
            for p in s.phases where !entry.phases.contains(p) { add("op \(s.op) has no \(p.rawValue) phase") }
            for shapes in s.shapeSets {
                if shapes.count != entry.arity {
                    add("op \(s.op) takes \(entry.arity) operand shape\(entry.arity == 1 ? "" : "s") "
                        + "(separate them with ';'), '\(formatShapes(shapes))' gives \(shapes.count)")
                } else if let problem = entry.validateShapes(shapes) {
                    add("bad shapes '\(formatShapes(shapes))' for op \(s.op): \(problem)")
                }
            }
        }
        guard errors.isEmpty else { throw SuiteErrors(errors: errors) }
    }

    /// Variants that run on the calling thread only: whatever `threads=` says, they are planned
    /// once, at threads=1, so that no row claims threads=2 for a one-thread kernel.
    public static let singleThreadVariants: Set<String> = ["scalar", "naive", "simd"]

    /// The cases of a validated suite, in file order. `threads`/`pinning` override every line's.
    public static func expand(_ lines: [SuiteLine], catalog: OpCatalog, machinePUs: Int,
                              threads: [Int]? = nil, pinning: [PinningPolicy]? = nil) -> [PlannedCase] {
        var out: [PlannedCase] = []
        for s in lines {
            guard let entry = catalog.entry(named: s.op) else { continue }
            // Unique, in order: "1,max" on a one-CPU machine must not plan the same case twice.
            var seen = Set<Int>()
            let threadCounts = (threads ?? s.threads.flatMap { $0.resolve(machinePUs: machinePUs) }).filter { seen.insert($0).inserted }
            for shapes in s.shapeSets {
                for dtype in s.dtypes {
                    for phase in s.phases {
                        for variant in s.variants ?? entry.variants {
                            let counts = singleThreadVariants.contains(variant) ? [1] : threadCounts
                            for t in counts {
                                for pin in pinning ?? s.pinning {
                                    let id = CaseID(op: s.op, variant: variant, dtype: dtype, shapes: shapes, threads: t,
                                                    pinning: pin.rawValue, phase: phase)
                                    out.append(PlannedCase(id: id, minTimeMs: s.minTimeMs, line: s.line))
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// " (did you mean 'x'?)" when a known name is within two edits, else "". Case is ignored:
    /// 'GELU' and 'LogSigmoid' are how PyTorch spells the modules whose ops are gelu and log_sigmoid.
    public static func suggestion(_ word: String, _ known: [String]) -> String {
        let folded = word.lowercased()
        let best = known.map { ($0, editDistance(folded, $0.lowercased())) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= 2 else { return "" }
        return " (did you mean '\(best.0)'?)"
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var prev = Array(0...b.count)
        for i in 1...a.count {
            var cur = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            prev = cur
        }
        return prev[b.count]
    }
}
