import Foundation
import Testing
import VecPlatform
@testable import VecBench

/// Random corruptions of valid inputs: bytes flipped, deleted, duplicated, inserted; lines cut,
/// swapped and dropped; the file truncated. Deterministic seed, so a failure reproduces.
struct Corruptor {
    var rng: SplitMix64
    let alphabet = Array(",;x=#\"\n\r \t0123456789.-eEnaiINF\u{0}\u{FF}abcxyz".utf8)

    mutating func int(_ n: Int) -> Int { n <= 0 ? 0 : Int(rng.next() % UInt64(n)) }

    mutating func corrupt(_ text: String) -> [UInt8] {
        var b = Array(text.utf8)
        for _ in 0...int(4) {
            guard !b.isEmpty else { b = [alphabet[int(alphabet.count)]]; continue }
            let i = int(b.count)
            switch int(8) {
            case 0: b[i] = alphabet[int(alphabet.count)]
            case 1: b.remove(at: i)
            case 2: b.insert(alphabet[int(alphabet.count)], at: i)
            case 3: b = Array(b[0..<i])                                   // truncated
            case 4: b.insert(contentsOf: b[i..<min(b.count, i + int(40))], at: i)
            case 5:                                                     // drop a line
                var lines = b.split(separator: 10, omittingEmptySubsequences: false)
                if !lines.isEmpty { lines.remove(at: int(lines.count)) }
                b = Array(lines.joined(separator: [10]))
            case 6:                                                     // swap two lines
                var lines = b.split(separator: 10, omittingEmptySubsequences: false)
                if lines.count > 1 { lines.swapAt(int(lines.count), int(lines.count)) }
                b = Array(lines.joined(separator: [10]))
            default: b[i] = UInt8(truncatingIfNeeded: int(256))
            }
        }
        return b
    }
}

@Suite struct FuzzTests {
    @Test func corruptedReportsGiveErrorsNeverCrashes() throws {
        let valid = try ReportCSV.render([sampleRecord(), sampleRecord(variant: "scalar", samples: []),
                                          sampleRecord(op: "matmul", threads: 2, samples: [5, 6, 7, 8, 9])])
        var fuzz = Corruptor(rng: SplitMix64(seed: 2024))
        var errors = 0, parsed = 0
        for _ in 0..<1200 {
            let bytes = fuzz.corrupt(valid)
            do {
                let rows = try ReportCSV.parse(Data(bytes), file: "fuzz.csv")
                // A corruption can leave a valid report (e.g. a digit changed): it must then be typed sanely.
                #expect(rows.allSatisfy { $0.medianNs > 0 && $0.threads >= 1 && $0.medianNs.isFinite })
                parsed += 1
            } catch let e as ReportError {
                #expect(e.file == "fuzz.csv")
                #expect(!e.message.isEmpty)
                errors += 1
            } catch {
                Issue.record("unexpected error type \(type(of: error)): \(error)")
            }
        }
        #expect(errors + parsed == 1200)
        #expect(errors > 900)
    }

    @Test func corruptedSuitesGiveLineNumberedErrorsNeverCrashes() throws {
        let valid = """
            # a suite
            op=relu phase=both shapes=1024,4096 variants=scalar,simd threads=1,2 pin=none,compact
            op=matmul shapes=64x32;32x16 variants=naive,blas threads=1-max min_time_ms=20
            op=relu shapes=8x8 dtype=float32,float64 threads=pow2
            """
        var fuzz = Corruptor(rng: SplitMix64(seed: 99))
        var errors = 0, accepted = 0
        for _ in 0..<1200 {
            let bytes = fuzz.corrupt(valid)
            guard let text = String(data: Data(bytes), encoding: .utf8) else {
                let path = tempPath("fuzz.suite")
                _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
                #expect(throws: SuiteErrors.self) { try Suite.load(path: path) }
                errors += 1
                continue
            }
            do {
                let lines = try Suite.parse(text, file: "fuzz.suite")
                try Suite.validate(lines, catalog: testCatalog, file: "fuzz.suite")
                let cases = Suite.expand(lines, catalog: testCatalog, machinePUs: 4)
                #expect(cases.allSatisfy { $0.id.threads >= 1 && $0.id.shapes.allSatisfy { $0.allSatisfy { $0 >= 1 } } })
                accepted += 1
            } catch let e as SuiteErrors {
                #expect(!e.errors.isEmpty)
                for err in e.errors {
                    #expect(err.file == "fuzz.suite")
                    #expect(!err.message.isEmpty)
                    if let line = err.line { #expect(line >= 1 && line <= text.count + 1) }
                }
                errors += 1
            } catch {
                Issue.record("unexpected error type \(type(of: error)): \(error)")
            }
        }
        #expect(errors + accepted == 1200)
        #expect(errors > 600)
    }
}
