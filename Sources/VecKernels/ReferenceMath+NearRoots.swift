import Foundation

// mish' and the tanh-approximated gelu' near their zeros, accurate relative to themselves (the
// float64 kernels' accuracy sweeps meet these values there): the closed forms cancel in Float80
// as silu's and gelu's do (see siluDerivativeNearRoot).
extension ReferenceMath {
    /// (x - x0) times the series with coefficients `c` (highest degree first) where |x - x0| < 1/16,
    /// x0 = root.hi + root.lo; `otherwise(x)` elsewhere.
    static func seriesNearRoot(_ x: ReferenceFloat, root: (hi: Double, lo: Double), otherwise: (ReferenceFloat) -> ReferenceFloat,
                               _ c: [ReferenceFloat]) -> ReferenceFloat {
        let d = (x - ReferenceFloat(root.hi)) - ReferenceFloat(root.lo)
        if !(Swift.abs(d) < 0.0625) { return otherwise(x) }
        return d * c.reduce(0) { $0 * d + $1 }
    }

    /// mish'(x) as `mishDerivative`, but within 1/16 of its zero x0 = -1.1924312145154952 as (x - x0)
    /// times the Taylor series of mish' at x0 (mpmath, degree 18), x0 as hi + lo.
    public static func mishDerivativeNearRoot(_ x: ReferenceFloat) -> ReferenceFloat {
        seriesNearRoot(x, root: (-0x1.31432c0d12d84p+0, -0x1.bf319154da210p-55), otherwise: mishDerivative, [
            -6.174424363104907070692e-8, -1.411725591949938237222e-7, 2.687941785555772625304e-8,
            0.000001071676702702073990255, 0.000002908819936491222184664, 9.427361327376651235194e-7,
            -0.00001729927081030439955645, -0.00005582891567360687890891, -0.00004196149603169612879119,
            0.0002541293638619107318683, 0.0009898181021289196696076, 0.001092405540944585493052,
            -0.003360684927023268668302, -0.01582112656173338098207, -0.0202718227166842461281,
            0.04190782104360987308086, 0.2047312640801058663477, 0.2669479140495345113166,
        ])
    }

    /// The tanh-approximated gelu' as `geluTanhDerivative`, but within 1/16 of its zero x0 =
    /// -0.7524614220710163 as (x - x0) times its Taylor series there (mpmath, degree 18).
    public static func geluTanhDerivativeNearRoot(_ x: ReferenceFloat) -> ReferenceFloat {
        seriesNearRoot(x, root: (-0x1.81429f9e97e4dp-1, 0x1.4f523ed77dbdcp-55), otherwise: geluTanhDerivative, [
            1.415755698772947294453e-7, -4.310248298802901481177e-7, -9.898647747433665834144e-7,
            0.000002433551634429954444777, 0.000005918611710894005047668, -0.00001595089687164510475575,
            -0.00003495617169443611732973, 0.0001242522780263978193794, 0.0002639276405268105256778,
            -0.0009274420230205448962684, -0.00242273184587509729924, 0.00526105925492191187938,
            0.01968230945983311748702, -0.01661932834305256269228, -0.1139444830809589871106,
            -0.01578285352184802834191, 0.3875184461357889264214, 0.4304000910248585090799,
        ])
    }
}
