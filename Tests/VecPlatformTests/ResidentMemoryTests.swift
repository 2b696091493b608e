import Testing
@testable import VecPlatform

// /proc/self/status read right, and the peak reset.

@Test func residentMemoryIsReadAndItsPeakResets() throws {
    let current = try #require(ResidentMemory.currentBytes)
    #expect(current > 1 << 20)   // a Swift test process holds megabytes
    let size = 32 << 20
    let p = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
    for i in stride(from: 0, to: size, by: 4096) { p[i] = 1 }
    let high = try #require(ResidentMemory.peakBytes)
    p.deallocate()
    #expect(high >= current + size / 2)
    #expect(ResidentMemory.resetPeak())
    let after = try #require(ResidentMemory.peakBytes)
    #expect(after < high)   // the freed block left the peak with the reset
}
