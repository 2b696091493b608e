import Testing
@testable import VecPlatform

// /proc/self/status read right, and the peak reset.
//
// RSS and VmHWM are process-wide and other tests run beside this one: the harness's tests that
// reset and read the peak are kept out by `withPeakWindow`, but any test's memory can still come
// or go between two reads. The property is asked of up to five tries; a reader or a reset that is
// wrong fails all of them.

@Test func residentMemoryIsReadAndItsPeakResets() throws {
    let current = try #require(ResidentMemory.currentBytes)
    #expect(current > 1 << 20)   // a Swift test process holds megabytes
    var failures: [String] = []
    for _ in 0..<5 {
        if try ResidentMemory.withPeakWindow({ try peakTry(&failures) }) { return }
    }
    Issue.record("resident memory or its peak reset read wrong in 5 tries: \(failures)")
}

/// One try of the test above: true when every property held, else its readings appended.
private func peakTry(_ failures: inout [String]) throws -> Bool {
    let size = 64 << 20
    let p = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
    for i in stride(from: 0, to: size, by: 4096) { p[i] = 1 }
    let held = try #require(ResidentMemory.currentBytes)
    let high = try #require(ResidentMemory.peakBytes)
    p.deallocate()
    let released = try #require(ResidentMemory.currentBytes)
    let reset = ResidentMemory.resetPeak()
    let after = try #require(ResidentMemory.peakBytes)
    // The peak is at least the resident size read just before it; freeing the block gives its
    // pages back (an allocation this large is its own mapping), and the reset drops the peak.
    if reset && high >= held && released <= held - size / 2 && after < high { return true }
    failures.append("held \(held) peak \(high) released \(released) reset \(reset) after \(after)")
    return false
}
