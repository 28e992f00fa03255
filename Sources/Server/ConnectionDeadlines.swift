import Hummingbird
import NIOCore
import NIOHTTPTypes

/// Closes connections that hold the server without sending a request: a connection must deliver a request's
/// complete headers within `header` of opening or of its last answer (the header timeout, and the idle timeout of
/// kept-alive connections), and the request's whole body within `body` of its headers. Slow or stalled clients
/// (slowloris) would otherwise keep their connections, and the memory of their half-received bodies, forever. Once a
/// request is complete its work is bounded by `--timeout-s` instead. Sits after HTTP decoding in each connection's
/// pipeline (`CellphaseServer.makeApplication`).
final class ConnectionDeadlines: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let header: TimeAmount, body: TimeAmount
    private var timer: Scheduled<Void>?
    private var requestOpen = false

    init(headerSeconds: Double, bodySeconds: Double) {
        header = .nanoseconds(Int64(headerSeconds * 1e9))
        body = .nanoseconds(Int64(bodySeconds * 1e9))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context, header) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context, header)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { disarm() }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: requestOpen = true; arm(context, body)
        case .body: break
        case .end: requestOpen = false; disarm()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // An answer sent before its request's body ended (a 413 on Content-Length) leaves the body deadline armed.
        if case .end = unwrapOutboundIn(data), !requestOpen { arm(context, header) }
        context.write(data, promise: promise)
    }

    private func arm(_ context: ChannelHandlerContext, _ after: TimeAmount) {
        disarm()
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: after) { bound.value.close(promise: nil) }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }
}
