import Foundation

/// Reports of single rounds merged into one report measured in rounds: what `vecbench ab` does
/// with the one-round runs it interleaves between two builds.
public enum RoundMerge {
    /// One row per case: samples concatenated, each input row's median becomes one round median
    /// (its CPU time one round CPU time), the summary recomputed over every sample. Rows written
    /// without their samples (the PyTorch and JAX runners write summaries only) merge their
    /// summaries instead: the median of the round medians, the least minimum, the median MAD, the
    /// sample counts added, round 1's interval. Rows keep the order in which their cases first
    /// appear. A case that is missing from some rounds keeps the rounds it has.
    public static func merge(_ rounds: [[BenchRecord]]) -> [BenchRecord] {
        var order: [CaseID] = []
        var groups: [CaseID: [BenchRecord]] = [:]
        for report in rounds {
            for r in report {
                let key = r.id
                if groups[key] == nil { order.append(key) }
                groups[key, default: []].append(r)
            }
        }
        return order.compactMap { key in
            guard let rows = groups[key], var merged = rows.first else { return nil }
            let summary: SampleSummary
            if rows.allSatisfy({ $0.samplesNs.isEmpty }) {
                summary = SampleSummary(count: rows.reduce(0) { $0 + $1.samples }, median: Stats.median(rows.map(\.medianNs)),
                                        min: rows.map(\.minNs).min()!, max: .nan, mad: Stats.median(rows.map(\.madNs)),
                                        ciLow: merged.ciLowNs, ciHigh: merged.ciHighNs)
            } else {
                let samples = rows.flatMap { $0.samplesNs.isEmpty ? [$0.medianNs] : $0.samplesNs }
                summary = Stats.summarize(samples)
                merged.samplesNs = samples
            }
            merged.summary = summary
            merged.throughput = rows[0].medianNs > 0 ? rows[0].throughput * rows[0].medianNs / summary.median : 0
            if let pct = rows[0].rooflinePct { merged.rooflinePct = pct * rows[0].medianNs / summary.median }
            merged.roundMediansNs = rows.map(\.medianNs)
            let cpu = rows.compactMap(\.cpuNs)
            merged.roundCPUNs = cpu.count == rows.count ? cpu : []
            merged.cpuNs = cpu.isEmpty ? nil : Stats.median(cpu)
            merged.noisePct = Stats.noisePercent(merged.roundMediansNs)
            return merged
        }
    }
}
