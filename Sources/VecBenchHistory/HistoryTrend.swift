import Foundation
import VecBench

// A case's history as `vecbench history` shows it: one point per commit (the median of the runs
// made at that commit, so re-running a commit does not add a fake step), in the order the commits
// were first measured, per machine (timings of two machines are different series, never one), with
// the level shifts `ChangePoint` finds. Commit order is the order of measurement: the history has
// no git graph, and benchmarks are normally run as commits land.

/// One commit of a case's history.
public struct TrendPoint: Equatable, Sendable {
    /// The commit measured.
    public var commit: String
    /// The date of its first run (ISO 8601 UTC).
    public var date: String
    /// Runs made at this commit.
    public var runs: Int
    /// Median over those runs of their medians, ns per call.
    public var medianNs: Double
}

/// A case's history on one machine, with its level shifts.
public struct Trend: Equatable, Sendable {
    /// The machine's fingerprint id.
    public var machine: String
    /// The case.
    public var id: CaseID
    /// One point per commit, oldest first.
    public var points: [TrendPoint]
    /// Level shifts found over `points` (their `index` points into it).
    public var shifts: [LevelShift]
}

/// Builds, prints and draws case histories (`vecbench history`).
public enum HistoryTrend {
    /// The trends of the measurements `points` (from `HistoryStore.points(op:)`, oldest first):
    /// one per machine and case, keeping cases whose description contains `caseFilter` and
    /// machines equal to `machine` (when given). Ordered by case, then machine.
    public static func trends(_ points: [HistoryStore.Point], caseFilter: String? = nil, machine: String? = nil,
                              options: ChangePointOptions = ChangePointOptions()) -> [Trend] {
        struct Key: Hashable { var machine: String; var id: CaseID }
        var series: [Key: [HistoryStore.Point]] = [:]
        for p in points {
            if let caseFilter, !caseFilter.isEmpty, !p.sample.id.description.contains(caseFilter) { continue }
            if let machine, p.run.fingerprintID != machine { continue }
            series[Key(machine: p.run.fingerprintID, id: p.sample.id), default: []].append(p)
        }
        return series.keys.sorted { ($0.id, $0.machine) < ($1.id, $1.machine) }.map { key in
            let perCommit = byCommit(series[key] ?? [])
            return Trend(machine: key.machine, id: key.id, points: perCommit,
                         shifts: ChangePoint.detect(perCommit.map(\.medianNs), options: options))
        }
    }

    /// One point per commit in order of first measurement: the median of that commit's runs. Runs
    /// of an unknown commit (a build outside a git checkout) are a point each: they need not share code.
    static func byCommit(_ points: [HistoryStore.Point]) -> [TrendPoint] {
        var order: [String] = []
        var groups: [String: [HistoryStore.Point]] = [:]
        for p in points {
            let known = !p.run.gitCommit.isEmpty && p.run.gitCommit != "unknown"
            let key = known ? p.run.gitCommit : "\u{0}" + p.run.runID
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(p)
        }
        return order.map { key in
            let g = groups[key] ?? []
            return TrendPoint(commit: g.first?.run.gitCommit ?? key, date: g.map(\.run.date).min() ?? "", runs: g.count,
                              medianNs: Stats.median(g.map(\.sample.medianNs)))
        }
    }

    /// The trend as a table (commit, date, runs, median, change vs the previous commit, level
    /// shift) under a line naming the case and machine, and a line listing the shifts.
    public static func table(_ trend: Trend) -> String {
        let shiftAt = Dictionary(trend.shifts.map { ($0.index, $0) }, uniquingKeysWith: { a, _ in a })
        let rows: [[String]] = trend.points.enumerated().map { i, p in
            let change = i == 0 ? "-" : TextFormat.percent(p.medianNs / trend.points[i - 1].medianNs - 1)
            let shift = shiftAt[i].map { "<- level shift " + TextFormat.percent($0.change) } ?? ""
            return [String(p.commit.prefix(12)), p.date, String(p.runs), TextFormat.duration(p.medianNs), change, shift]
        }
        var out = "\(trend.id.description)  (machine \(trend.machine), \(trend.points.count) commit\(trend.points.count == 1 ? "" : "s"))\n"
        out += TextFormat.table(["commit", "date", "runs", "median", "change", "shift"], rows, rightAligned: [2, 3, 4])
        out += "level shifts: " + (trend.shifts.isEmpty ? "none" : trend.shifts.map { s in
            "at \(trend.points[s.index].commit.prefix(12)) (commit #\(s.index + 1)): "
                + "\(TextFormat.duration(s.before)) -> \(TextFormat.duration(s.after)) (\(TextFormat.percent(s.change)))"
        }.joined(separator: "; ")) + "\n"
        return out
    }

    /// The fitted level of every point: its segment's level as `ChangePoint` found it (the
    /// geometric mean of all points when there is no shift).
    public static func levels(_ trend: Trend) -> [Double] {
        guard let first = trend.shifts.first else {
            let logs = trend.points.map { Foundation.log($0.medianNs) }
            return Array(repeating: Foundation.exp(logs.reduce(0, +) / Double(max(1, logs.count))), count: trend.points.count)
        }
        var out: [Double] = []
        let bounds = [0] + trend.shifts.map(\.index) + [trend.points.count]
        let values = [first.before] + trend.shifts.map(\.after)
        for (i, (a, b)) in zip(bounds, bounds.dropFirst()).enumerated() where b > a {
            out += Array(repeating: values[i], count: b - a)
        }
        return out
    }

    /// The trends as one SVG, one panel per trend stacked vertically (`Plot`'s chart panels):
    /// median in microseconds against commit number, the fitted levels dashed.
    public static func svg(_ trends: [Trend], width: Double = 720, panelHeight: Double = 300) -> String {
        let height = panelHeight * Double(max(1, trends.count))
        let (w, h) = (TextFormat.fixed(width, 1), TextFormat.fixed(height, 1))
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" "
            + "viewBox=\"0 0 \(w) \(h)\" font-family=\"sans-serif\" font-size=\"12\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        for (i, t) in trends.enumerated() {
            let medians = t.points.enumerated().map { (x: Double($0 + 1), y: $1.medianNs / 1e3) }
            let levels = levels(t).enumerated().map { (x: Double($0 + 1), y: $1 / 1e3) }
            let shifts = t.shifts.isEmpty ? "no level shift"
                : t.shifts.map { "#\($0.index + 1) \(TextFormat.percent($0.change))" }.joined(separator: ", ")
            let chart = Chart(title: "\(t.id.description) [\(t.machine)]: \(shifts)", xLabel: "commit (order measured)",
                              yLabel: "median (us)", series: [Series(name: "median", points: medians),
                                                              Series(name: "level", points: levels, dashed: true)])
            out += Plot.panel(chart, x: 0, y: Double(i) * panelHeight, width: width, height: panelHeight)
        }
        return out + "</svg>\n"
    }
}
