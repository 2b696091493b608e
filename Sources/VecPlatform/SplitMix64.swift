/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, passes BigCrush and trivially seedable. The
/// one generator behind seeded tensors, benchmark inputs and test data, so that the same seed
/// gives the same numbers on every machine and thread count.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The whole generator state: the next output is a function of it alone, so a copy replays the stream.
    public var state: UInt64

    /// A generator whose stream is fixed by `seed` (any value, 0 included).
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits (advances `state` by the golden-ratio increment, then mixes).
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in (0, 1]: safe to take the log of.
    public mutating func nextUnitOpenClosed() -> Double { Double((next() >> 11) + 1) * 0x1p-53 }

    /// Uniform in the closed range (up to rounding at the top).
    public mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * nextUnit()
    }
}
