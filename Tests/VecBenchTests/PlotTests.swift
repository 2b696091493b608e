import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import VecBench

/// Parses `svg` as XML; returns the error text, or nil when it is well-formed.
func xmlProblem(_ svg: String) -> String? {
    final class Collector: NSObject, XMLParserDelegate {
        var elements: [String] = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) { elements.append(name) }
    }
    let parser = XMLParser(data: Data(svg.utf8))
    let collector = Collector()
    parser.delegate = collector
    guard parser.parse() else { return parser.parserError.map { "\($0)" } ?? "parse failed" }
    return collector.elements.first == "svg" ? nil : "root is not <svg>"
}

@Suite struct PlotTests {
    @Test func lineChartIsWellFormedAndEscapes() {
        let chart = Chart(title: "a < b & \"c\"", xLabel: "x", yLabel: "y",
                          series: [Series(name: "s<1>", points: [(1, 2), (2, 3), (3, .nan)]), Series(name: "empty", points: [])])
        let svg = Plot.svg(chart)
        #expect(xmlProblem(svg) == nil)
        #expect(svg.contains("a &lt; b &amp; &quot;c&quot;"))
        #expect(svg.contains("s&lt;1&gt;"))
        #expect(!svg.contains("nan"))
    }

    @Test func ticks() {
        #expect(Plot.niceTicks(0, 10) == [0, 2, 4, 6, 8, 10])
        #expect(Plot.niceTicks(0, 1, count: 4) == [0, 0.5, 1])
        #expect(Plot.niceTicks(5, 5) == [5])
        #expect(Plot.compactCount(1024) == "1K")
        #expect(Plot.compactCount(Double(1 << 24)) == "16M")
        #expect(Plot.compactCount(1536) == "1.5K")
        #expect(Plot.linspace(-5, 5, 3) == [-5, 0, 5])
        #expect(Plot.labels([0, 0.5, 1]) == ["0.0", "0.5", "1.0"])
        #expect(Plot.labels([0, 2, 4]) == ["0", "2", "4"])
        #expect(Plot.labels([0, 0.25, 0.5]) == ["0.00", "0.25", "0.50"])
        #expect(Plot.powerOfTwoTicks(1000, 70000) == [1024, 2048, 4096, 8192, 16384, 32768, 65536])
        #expect(Plot.powerOfTwoTicks(65536, Double(1 << 24)).map(Plot.compactCount) == ["64K", "128K", "256K", "512K", "1M", "2M", "4M", "8M", "16M"])
        #expect(Plot.linspace(-5, 5, 200).count == 200)
    }

    @Test func reportChartsNeedTwoSizesOrTwoThreadCounts() throws {
        var rows: [BenchRecord] = []
        for (size, t, variant, median) in [(1024, 1, "simd", 100.0), (4096, 1, "simd", 380), (1024, 2, "simd", 60), (1024, 1, "scalar", 900)] {
            var r = sampleRecord(variant: variant, threads: t, median: median, samples: [])
            r.shapes = [[size]]; r.medianNs = median; r.throughput = Double(size * 8) / median
            rows.append(r)
        }
        let sizes = Plot.throughputCharts(rows)
        #expect(sizes.map(\.name) == ["throughput-sigmoid-forward-float32-t1-compact.svg"])
        let scaling = Plot.scalingCharts(rows)
        #expect(scaling.map(\.name) == ["scaling-sigmoid-forward-float32-1024-compact.svg"])
        for (_, svg) in sizes + scaling { #expect(xmlProblem(svg) == nil) }
        #expect(scaling[0].svg.contains("ideal"))
    }

    @Test func activationFigureShowsFourFunctionsAndGradients() throws {
        let curves = ActivationData.curves()
        #expect(curves.map(\.name) == ["relu", "sigmoid", "tanh", "softplus"])
        #expect(curves.allSatisfy { $0.x.count == 200 && $0.y.count == 200 && $0.dy.count == 200 })
        let sigmoid = curves[1]
        #expect(abs(sigmoid.y[100] - 1 / (1 + exp(-sigmoid.x[100]))) < 1e-6)
        #expect(abs(sigmoid.dy[0] - exp(-5) / pow(1 + exp(-5), 2)) < 1e-6)
        #expect(curves[0].dy.first == 0 && curves[0].dy.last == 1)
        let svg = Plot.activationFigure(curves)
        #expect(xmlProblem(svg) == nil)
        #expect(svg.contains("Gradients") && svg.contains("softplus"))
    }

    @Test func fileNamesAreSafe() {
        #expect(Plot.fileName(["a b", "c/d", "x;y"]) == "a_b-c_d-x_y")
    }
}
