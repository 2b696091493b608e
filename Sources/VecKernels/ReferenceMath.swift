import Foundation

// The exact functions every kernel is measured against, in more precision than the kernels
// compute in: Float80 (64-bit significand, 11 bits beyond float64) where the platform has it.
// Formulas are written in forms that do not cancel in the tails, so that the reference is
// correctly rounded to float64 (to within 2^-11 ulp) everywhere the tests sweep.

#if arch(x86_64) && !os(Windows)
/// The precision references are computed in: Float80 on x86-64, Double elsewhere.
public typealias ReferenceFloat = Float80
#else
/// The precision references are computed in: Float80 on x86-64, Double elsewhere.
public typealias ReferenceFloat = Double
#endif

/// Reference formulas of the elementwise ops (forward and derivative), in `ReferenceFloat`.
public enum ReferenceMath {}
