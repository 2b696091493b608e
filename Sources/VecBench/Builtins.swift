import Synchronization

/// Fills `Catalog` with every op the harness knows: raw kernels and Tensor-level (autograd) cases.
public enum Builtins {
    private static let done = Mutex(false)

    /// Idempotent: registers the built-in entries once per process.
    public static func registerAll() {
        let first = done.withLock { d -> Bool in defer { d = true }; return !d }
        guard first else { return }
        KernelCatalog.registerAll()
        TensorCatalog.registerAll()
        ShapeOpsCatalog.registerAll()
        CompareOpsCatalog.registerAll()
    }

    /// The text of `vecbench run --list`: every entry, with "yes" under accuracy for the ops
    /// `vecbench accuracy` checks.
    public static func listing(_ catalog: OpCatalog) -> String {
        let rows = catalog.all.map { e in
            [e.name, String(e.arity), e.variants.joined(separator: ","), e.dtypes.map(\.rawValue).joined(separator: ","),
             e.phases.map(\.rawValue).joined(separator: ","), e.unit.rawValue, e.accuracy == nil ? "-" : "yes", e.summary]
        }
        return TextFormat.table(["op", "operands", "variants", "dtypes", "phases", "unit", "accuracy", "what"], rows)
    }
}
