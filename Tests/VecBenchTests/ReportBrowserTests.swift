import Foundation
import Testing
@testable import VecBench

// The report page in a real browser: headless Chromium loads the page, its DOM must hold every
// chart's <svg>, and its screenshot must be the window's size and far from blank. Skipped, with the
// reason printed, where no Chromium is installed (CI does not install one: `make report` does).

enum Chromium {
    /// CHROMIUM, else the first of chromium, chromium-browser, google-chrome on PATH.
    static let path: String? = {
        let env = ProcessInfo.processInfo.environment
        if let p = env["CHROMIUM"], FileManager.default.isExecutableFile(atPath: p) { return p }
        let dirs = (env["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            for d in dirs where FileManager.default.isExecutableFile(atPath: "\(d)/\(name)") { return "\(d)/\(name)" }
        }
        print("ReportBrowserTests skipped: no chromium on PATH (apt-get install chromium, or make report; CHROMIUM=path)")
        return nil
    }()

    /// Runs `executable` with `arguments`; stdout as text, killed after `timeout` seconds.
    static func run(_ executable: String, _ arguments: [String], timeout: TimeInterval = 90) throws -> (status: Int32, stdout: String) {
        let outURL = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString).out")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outURL) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOf: outURL, encoding: .utf8)) ?? "")
    }
}

/// Prints "WIDTH HEIGHT DISTINCT_COLOURS NON_WHITE_FRACTION" of an 8-bit RGB(A) PNG: the scanlines
/// inflated and unfiltered with zlib alone (no imaging library).
let pngProbe = """
    import struct, sys, zlib
    data = open(sys.argv[1], 'rb').read()
    assert data[:8] == b'\\x89PNG\\r\\n\\x1a\\n', 'not a PNG'
    pos, idat, w, h, ctype = 8, b'', 0, 0, 0
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8]); body = data[pos + 8:pos + 8 + n]; pos += 12 + n
        if kind == b'IHDR': w, h, depth, ctype = struct.unpack('>IIBB', body[:10]); assert depth == 8
        if kind == b'IDAT': idat += body
    bpp = {2: 3, 6: 4}[ctype]; raw = zlib.decompress(idat); stride = w * bpp
    prev, colours, white = bytearray(stride), set(), 0
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0; b = prev[i]; c = prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        for x in range(0, stride, bpp * 4):
            px = bytes(line[x:x + 3]); colours.add(px); white += px == b'\\xff\\xff\\xff'
        prev = line
    print(w, h, len(colours), 1 - white / (h * ((stride + bpp * 4 - 1) // (bpp * 4))))
    """

@Suite struct ReportBrowserTests {
    @Test(.enabled(if: Chromium.path != nil, "no chromium found (CI does not install it; make report does)"))
    func pageRendersInHeadlessChromium() throws {
        let chromium = try #require(Chromium.path)
        let dir = tempPath("browser")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = pageRun()
        let page = HTMLReport.page([run], title: "vecbench report: browser test")
        try page.write(toFile: "\(dir)/index.html", atomically: true, encoding: .utf8)
        let url = "file://\(dir)/index.html"
        let common = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(dir)/profile"]

        // The DOM as Chromium built it: the title and one <svg> per chart, each with its paths.
        let dom = try Chromium.run(chromium, common + ["--dump-dom", url])
        #expect(dom.status == 0)
        #expect(dom.stdout.contains("<h1>vecbench report: browser test</h1>"))
        #expect(dom.stdout.components(separatedBy: "<svg ").count - 1 == HTMLReport.charts(run).count)
        #expect(dom.stdout.components(separatedBy: "<path ").count - 1 >= 5 * 3)

        let shot = "\(dir)/page.png"
        let status = try Chromium.run(chromium, common + ["--window-size=1024,1024", "--screenshot=\(shot)", url]).status
        #expect(status == 0)
        #expect(FileManager.default.fileExists(atPath: shot))
        let probe = try Chromium.run("/usr/bin/env", ["python3", "-c", pngProbe, shot])
        let fields = probe.stdout.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try #require(fields.count == 4, "png probe printed '\(probe.stdout)'")
        #expect(fields[0] == 1024 && fields[1] == 1024)
        // Text, table borders, chart lines in eight colours: a blank or failed page has one or two.
        #expect(fields[2] >= 20, "distinct colours \(fields[2])")
        #expect(fields[3] > 0.02 && fields[3] < 0.9, "non-white fraction \(fields[3])")
    }
}
