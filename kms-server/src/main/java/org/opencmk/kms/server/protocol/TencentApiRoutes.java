package org.opencmk.kms.server.protocol;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
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
}
