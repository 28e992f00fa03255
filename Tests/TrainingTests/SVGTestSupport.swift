import Foundation
import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Parses an SVG with XMLParser and counts elements by tag and by class token.
final class SVGInspector: NSObject, XMLParserDelegate {
    var tags: [String: Int] = [:]
    var classes: [String: Int] = [:]
    var texts: [String] = []
    private var inText = false
    private var current = ""

    static func parse(_ svg: String, file: StaticString = #filePath, line: UInt = #line) -> SVGInspector? {
        let ins = SVGInspector()
        let p = XMLParser(data: Data(svg.utf8))
        p.delegate = ins
        guard p.parse() else {
            XCTFail("SVG is not well-formed XML: \(p.parserError.map { "\($0)" } ?? "?")", file: file, line: line)
            return nil
        }
        return ins
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        tags[name, default: 0] += 1
        for c in (attributes["class"] ?? "").split(separator: " ") { classes[String(c), default: 0] += 1 }
        if name == "text" { inText = true; current = "" }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { if inText { current += string } }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" { texts.append(current); inText = false }
    }
}

