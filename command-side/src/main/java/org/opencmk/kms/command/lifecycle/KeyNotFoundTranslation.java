package org.opencmk.kms.command.lifecycle;

import org.axonframework.commandhandling.CommandMessage;
import org.axonframework.messaging.InterceptorChain;
import org.axonframework.messaging.MessageHandlerInterceptor;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.axonframework.modelling.command.AggregateNotFoundException;
import org.opencmk.kms.events.KeyId;

/**
 * A command addressed to a CMK that never existed or was deleted fails inside Axon's repository
 * before any handler runs; this turns that failure into the domain's {@code KEY_NOT_FOUND}, so a
 * deleted key and an unknown one look alike to the caller.
 */
public class KeyNotFoundTranslation implements MessageHandlerInterceptor<CommandMessage<?>> {

    @Override
    public Object handle(UnitOfWork<? extends CommandMessage<?>> unitOfWork, InterceptorChain chain) throws Exception {
        try {
            return chain.proceed();
        } catch (AggregateNotFoundException notFound) {
            String id = String.valueOf(notFound.getAggregateIdentifier());
            throw Cmk.notFound(KeyId.looksLikeKeyId(id) ? new KeyId(id) : null);
        }
    }
}
