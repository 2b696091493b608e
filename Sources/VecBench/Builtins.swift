import Synchronization

/// Fills `Catalog` with every op the harness knows: raw kernels and Tensor-level (autograd) cases.
public enum Builtins {
    private static let done = Mutex(false)

    /// Idempotent: registers the built-in entries once per process. A caller returns only once
    /// every entry is in `Catalog`: the lock is held while registering, so a concurrent caller
    /// waits instead of reading a half-filled catalog (tests run in parallel and snapshot it).
    public static func registerAll() {
        done.withLock { d in
            guard !d else { return }
            KernelCatalog.registerAll()
            TensorCatalog.registerAll()
            ShapeOpsCatalog.registerAll()
            CompareOpsCatalog.registerAll()
            d = true
        }
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
