import Hummingbird
import NIOCore
import NIOHTTPTypes

/// Answers `Expect: 100-continue` with an interim `100 Continue` as soon as the request head
/// arrives. curl and libcurl-based clients (pycurl, Foundation's URLSession on Linux) send that
/// header for bodies over 1 MiB — every 2048×2048 field — and otherwise wait a full second for
/// the interim answer before sending the body, which made one field over HTTP take ~1 s more
/// than in process. A body announced over `maxBodyBytes` gets no 100: the route answers 413
/// at once and the client never sends the body.
final class ExpectContinueHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    let maxBodyBytes: Int

    init(maxBodyBytes: Int) { self.maxBodyBytes = maxBodyBytes }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data),
           let expect = head.headerFields[.expect], expect.lowercased() == "100-continue" {
            let announced = head.headerFields[.contentLength].flatMap { Int($0) } ?? 0
            if announced <= maxBodyBytes {
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
            }
        }
        context.fireChannelRead(data)
    }
}
