package org.opencmk.kms.server.protocol;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

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
}
