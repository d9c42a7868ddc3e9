package org.opencmk.kms.server.protocol;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.netty.ConnectionObserver;

/** Every request, whatever its method or path, is answered in the Tencent envelope. */
@Configuration(proxyBeanMethods = false)
public class TencentApiRoutes {

    @Bean
    public RouterFunction<ServerResponse> tencentApi(TencentApiHandler handler) {
        return RouterFunctions.route(RequestPredicates.all(), handler::handle);
    }

    /**
     * Event loops of this server's own: Reactor Netty's global ones are disposed when any
     * application context in the JVM closes, which would stop every other server in it (an
     * embedding application's, or the next one a test starts).
     */
    @Bean
    public ReactorResourceFactory reactorResourceFactory() {
        ReactorResourceFactory factory = new ReactorResourceFactory();
        factory.setUseGlobalResources(false);
        return factory;
    }

    /**
     * Reactor Netty 1.3.6 (reactor/reactor-netty#4361, fixed in 1.3.8, whose native transports
     * this build cannot get yet) stops reading a kept-alive HTTP/1.1 connection when a request that
     * arrived while the one before it was being answered is then answered at once: every later
     * request on that connection waits for ever. A read asked for whenever a request's operations
     * end puts back the one it forgot; where none was forgotten, one is asked for already and this
     * changes nothing. Remove with the upgrade.
     */
    @Bean
    public NettyServerCustomizer readOnAfterEachRequest() {
        return server -> server.childObserve((connection, state) -> {
            if (state == ConnectionObserver.State.DISCONNECTING && connection.channel().isActive()) {
                connection.channel().read();
            }
        });
    }
}
