import Foundation
import Labelling
@testable import Server
import TestSupport
import XCTest

/// A real headless Chromium driven over WebDriver (chromedriver, installed by `scripts/test` when absent) against a
/// real label server: clicks, keys, undo, a reload that finds the labels kept, a retraining, the manifest on disk.
/// Screenshots go to `test-artefacts/` in the package folder (or `$CELLPHASE_TEST_ARTEFACTS`).
final class LabelPageBrowserTests: XCTestCase {
    /// A WebDriver session: a chromedriver process and one headless browser.
    final class Browser {
        let driver: Process
        let port: Int
        var session = ""
        var profile = ""

        /// One WebDriver request on its own loopback connection (chromedriver writes headers without a space after
        /// the colon, which Foundation's URLSession on Linux refuses).
        static func http(_ port: Int, _ method: String, _ path: String, _ body: Data?) throws -> (status: Int, json: [String: Any]) {
            let c = try LoopbackHTTPConnection(host: "127.0.0.1", port: port, receiveTimeout: 120)
            let r = try c.request(method, host: "127.0.0.1:\(port)", path: path, body: body,
                                  headers: body == nil ? [:] : ["Content-Type": "application/json"])
            return (r.status, (try? JSONSerialization.jsonObject(with: Data(r.body))) as? [String: Any] ?? [:])
        }

        init(_ test: XCTestCase) async throws {
            let candidates = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver", "/usr/local/bin/chromedriver", "/opt/homebrew/bin/chromedriver"]
            guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
                throw XCTSkip("chromedriver is not installed (scripts/test installs chromium and chromium-driver on Debian/Ubuntu)")
            }
            // A port from a per-process range; if another program holds it, chromedriver exits and the next is tried.
            var started: (Process, Int)?
            var last = ""
            for attempt in 0..<5 where started == nil {
                let port = 20_000 + Int((getpid() &* 7 &+ Int32(attempt) &* 997) % 12_000)
                let p = Process()
                p.executableURL = URL(fileURLWithPath: path)
                p.arguments = ["--port=\(port)"]
                p.standardOutput = FileHandle.nullDevice
                p.standardError = FileHandle.nullDevice
                try p.run()
                let deadline = Date().addingTimeInterval(20)
                while p.isRunning && Date() < deadline {
                    do { if try Self.http(port, "GET", "/status", nil).status == 200 { started = (p, port); break } }
                    catch { last = "\(error)" }
                    try await Task.sleep(nanoseconds: 100_000_000)
                }
                if started == nil { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
            }
            guard let (process, port) = started else { throw WebDriverError(message: "chromedriver (\(path)) did not start: \(last)") }
            driver = process
            self.port = port
            var args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"]
            profile = try temporaryFolder(test, "browser-profile").path
            args.append("--user-data-dir=\(profile)")
            var options: [String: Any] = ["args": args]
            if FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") { options["binary"] = "/usr/bin/chromium" }
            let answer = try await send("POST", "/session", ["capabilities": ["alwaysMatch": ["browserName": "chrome", "goog:chromeOptions": options]]])
            guard let value = answer["value"] as? [String: Any], let id = value["sessionId"] as? String else {
                await close()
                throw WebDriverError(message: "the browser did not start: \(answer)")
            }
            session = id
        }

        /// Stops the browser and the driver. (chromedriver's DELETE /session waits on Chromium for minutes on some
        /// machines, so both are stopped by signal; the profile folder names the browser's processes.)
        func close() async {
            kill(driver.processIdentifier, SIGKILL)
            driver.waitUntilExit()
            let pkill = Process()
            pkill.executableURL = URL(fileURLWithPath: "/usr/bin/pkill")
            pkill.arguments = ["-KILL", "-f", profile]
            try? pkill.run()
            pkill.waitUntilExit()
        }

        @discardableResult
        func send(_ method: String, _ path: String, _ body: [String: Any]?) async throws -> [String: Any] {
            let data = try body.map { try JSONSerialization.data(withJSONObject: $0) }
            return try Self.http(port, method, path, data ?? (method == "POST" ? Data("{}".utf8) : nil)).json
        }

        func command(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> Any? {
            let r = try await send(method, "/session/\(session)\(path)", body)
            if let v = r["value"] as? [String: Any], let e = v["error"] as? String { throw WebDriverError(message: "\(path): \(e) \(v["message"] ?? "")") }
            return r["value"]
        }

        func script(_ js: String) async throws -> Any? { try await command("POST", "/execute/sync", ["script": js, "args": []]) }

        func click(_ css: String) async throws {
            let e = try await command("POST", "/element", ["using": "css selector", "value": css]) as? [String: Any]
            guard let id = e?.values.first as? String else { throw WebDriverError(message: "no element \(css)") }
            _ = try await command("POST", "/element/\(id)/click", [:])
        }

        func key(_ k: String) async throws {
            _ = try await command("POST", "/actions", ["actions": [["type": "key", "id": "keyboard", "actions": [
                ["type": "keyDown", "value": k], ["type": "keyUp", "value": k]]]]])
        }

        /// Polls a script until it returns true.
        func wait(for js: String, seconds: Double = 20, _ what: String) async throws {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if (try await script("return !!(\(js));")) as? Bool == true { return }
                try await Task.sleep(nanoseconds: 50_000_000)
            }
            throw WebDriverError(message: "timed out waiting for \(what)")
        }

        func screenshot(_ name: String) async throws -> URL {
            guard let b64 = try await command("GET", "/screenshot") as? String, let png = Data(base64Encoded: b64) else {
                throw WebDriverError(message: "no screenshot")
            }
            let folder = ProcessInfo.processInfo.environment["CELLPHASE_TEST_ARTEFACTS"].map { URL(fileURLWithPath: $0) }
                ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                    .appendingPathComponent("test-artefacts")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let url = folder.appendingPathComponent(name)
            try png.write(to: url)
            return url
        }
    }

    struct WebDriverError: Error, CustomStringConvertible { var message: String; var description: String { message } }

    func testLabellingInTheBrowserWithClicksKeysUndoReloadAndRetrain() async throws {
        let folder = try labelPoolFolder(self)
        let manifest = folder.deletingLastPathComponent().appendingPathComponent("labels.csv")
        let (server, base) = try await startLabelServer(folder, manifest: manifest)
        let browser = try await Browser(self)
        do {
            try await run(browser, base: base, manifest: manifest)
        } catch {
            _ = try? await browser.screenshot("label-page-failure.png")
            await browser.close()
            try await server.shutdown()
            throw error
        }
        await browser.close()
        try await server.shutdown()
    }

    func run(_ b: Browser, base: URL, manifest: URL) async throws {
        _ = try await b.command("POST", "/url", ["url": base.absoluteString + "/"])
        try await b.wait(for: "document.body.dataset.ready === '1'", "the page to load")
        do { let v = try await b.script("return document.querySelectorAll('.crop').length;") as? Int; XCTAssertEqual(v, 12) }
        do { let v = try await b.script("return document.getElementById('problems').textContent;") as? String; XCTAssertTrue(v?.contains("broken.png") == true, v ?? "nil") }
        do { let v = try await b.script("return document.getElementById('progress').textContent;") as? String; XCTAssertEqual(v, "0 labelled, 12 to go") }
        // The crops are real images, decoded by the browser.
        try await b.wait(for: "[...document.querySelectorAll('.crop img')].every(i => i.complete && i.naturalWidth === 40)", "the crops to decode")

        // A click on a class button labels that crop; the selection moves on to the next unlabelled crop.
        try await b.click(".crop[data-index='0'] button[data-label='interphase']")
        try await b.wait(for: "document.querySelector(\".crop[data-index='0'] .label\").textContent === 'interphase'", "the clicked label")
        XCTAssertEqual(try LabelManifest.read(manifest).record(for: folderPath(manifest, 0))?.label, "interphase")
        do { let v = try await b.script("return document.querySelector('.crop.selected').dataset.index;") as? String; XCTAssertEqual(v, "1") }
        // Keys: 2 = the second class (metaphase) on the selected crop, then 1 on the next.
        try await b.key("2")
        try await b.wait(for: "document.querySelector(\".crop[data-index='1'] .label\").textContent === 'metaphase'", "the key label")
        try await b.key("1")
        try await b.wait(for: "document.querySelector(\".crop[data-index='2'] .label\").textContent === 'interphase'", "the second key label")
        XCTAssertEqual(try LabelManifest.read(manifest).count, 3)
        // Undo takes back the last one, on the page and on disk.
        try await b.key("u")
        try await b.wait(for: "document.querySelector(\".crop[data-index='2'] .label\").textContent === ''", "the undo")
        XCTAssertEqual(try LabelManifest.read(manifest).count, 2)
        _ = try await b.screenshot("label-page.png")

        // A reload finds the labels kept.
        _ = try await b.command("POST", "/refresh", [:])
        try await b.wait(for: "document.body.dataset.ready === '1'", "the page to reload")
        do { let v = try await b.script("return document.querySelector(\".crop[data-index='0'] .label\").textContent;") as? String; XCTAssertEqual(v, "interphase") }
        do { let v = try await b.script("return document.querySelector(\".crop[data-index='1'] .label\").textContent;") as? String; XCTAssertEqual(v, "metaphase") }
        do { let v = try await b.script("return document.getElementById('progress').textContent;") as? String; XCTAssertEqual(v, "2 labelled, 10 to go") }

        // Label two more, retrain, and find a guess on every crop.
        try await b.click(".crop[data-index='3'] button[data-label='interphase']")
        try await b.click(".crop[data-index='7'] button[data-label='metaphase']")
        try await b.wait(for: "document.getElementById('progress').textContent === '4 labelled, 8 to go'", "4 labels")
        try await b.click("#retrain")
        try await b.wait(for: "document.getElementById('status').textContent.startsWith('retrained')", seconds: 120, "the retraining")
        try await b.wait(for: "[...document.querySelectorAll('.crop .guess')].every(g => / \\d+ %$/.test(g.textContent))", "guesses on every crop")
        // The filter by predicted class hides the others.
        let shown = try await b.script("""
            const s = document.getElementById('filter-class'); s.value = 'metaphase'; s.dispatchEvent(new Event('change'));
            return [...document.querySelectorAll('.crop')].filter(c => c.style.display !== 'none').every(c => c.querySelector('.guess').textContent.startsWith('metaphase'));
            """) as? Bool
        XCTAssertEqual(shown, true)
        _ = try await b.screenshot("label-page-retrained.png")
        let records = try LabelManifest.read(manifest).records
        XCTAssertEqual(records.map(\.label), ["interphase", "metaphase", "interphase", "metaphase"])
        XCTAssertTrue(records.allSatisfy { $0.labeller == "tester" && !$0.time.isEmpty })
    }

    /// The path of the page's crop `index`, as the manifest stores it.
    func folderPath(_ manifest: URL, _ index: Int) throws -> String {
        let pool = try CropPool.load(manifest.deletingLastPathComponent().appendingPathComponent("pool"))
        return pool.files[index].standardizedFileURL.path
    }
}
