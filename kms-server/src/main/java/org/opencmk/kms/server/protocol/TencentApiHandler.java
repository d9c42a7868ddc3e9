package org.opencmk.kms.server.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.ObjectReader;
import java.util.HashMap;
import java.util.Map;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.opencmk.kms.events.AuditRecord;
import org.opencmk.kms.crypto.keystore.KeystoreUnavailableException;
import org.opencmk.kms.server.config.BlockingKeystoreCall;
import org.opencmk.kms.crypto.keystore.UnsupportedByKeystoreException;
import org.opencmk.kms.events.KmsException;
import org.opencmk.kms.server.account.Caller;
import org.opencmk.kms.server.audit.ApiCallLog;
import org.opencmk.kms.server.audit.AuditSubject;
import reactor.core.scheduler.Scheduler;
import java.util.concurrent.RejectedExecutionException;
import org.springframework.beans.factory.annotation.Qualifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * {@code POST /}: one Tencent Cloud API 3.0 request from bytes to answer. In order: read the body
 * (bounded), authenticate, throttle, find the action, bind its fields, run it, wrap the result or
 * the error in the {@code {"Response": …}} envelope (always HTTP 200: the SDKs treat any other
 * status as a transport failure), and record the call.
 */
@Component
public class TencentApiHandler {

    /** The KMS API version this server speaks. */
    public static final String API_VERSION = "2019-01-18";
    /** Largest request body: a 4 KB plaintext in base64 with its fields fits many times over. */
    public static final int MAX_BODY_BYTES = 64 * 1024;

    private static final Logger log = LoggerFactory.getLogger(TencentApiHandler.class);
    private static final byte[] EMPTY_OBJECT = "{}".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final ObjectMapper json = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.UPPER_CAMEL_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .disable(com.fasterxml.jackson.databind.SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .build();

    private final Map<Class<?>, ObjectReader> readers = new HashMap<>();
    private final Authenticator authenticator;
    private final ActionCatalog actions;
    private final ApiCallLog callLog;
    private final Scheduler blocking;
    private final Scheduler compute;

    public TencentApiHandler(Authenticator authenticator, ActionCatalog actions, ApiCallLog callLog,
                             @Qualifier("blockingScheduler") Scheduler blocking,
                             @Qualifier("computeScheduler") Scheduler compute) {
        this.authenticator = authenticator;
        this.actions = actions;
        this.callLog = callLog;
        this.blocking = blocking;
        this.compute = compute;
        json.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        json.coercionConfigFor(LogicalType.Integer)
                .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
        // Every request type's reader made now: a reader fetches its deserializer when it is made,
        // so no request waits on Jackson's deserializer cache lock on an event loop.
        for (Action<?> action : actions.all()) {
            readers.computeIfAbsent(action.requestType(), json::readerFor);
        }
    }

    public Mono<ServerResponse> handle(ServerRequest request) {
        long started = System.nanoTime();
        String requestId = UUID.randomUUID().toString();
        String actionName = request.headers().firstHeader("X-TC-Action");
        Call call = new Call(requestId, actionName, started, request.headers().firstHeader("Authorization"),
                request.remoteAddress().map(address -> address.getAddress() == null ? address.getHostString()
                        : address.getAddress().getHostAddress()).orElse(null), eventLoopOf(request));
        if (request.method() != HttpMethod.POST) {
            return answer(call, refusal(call, new ProtocolException(ErrorCode.UNSUPPORTED_OPERATION,
                    "only POST requests with a JSON body are served")));
        }
        return DataBufferUtils.join(request.body(BodyExtractors.toDataBuffers()), MAX_BODY_BYTES)
                .map(TencentApiHandler::bytes)
                .defaultIfEmpty(new byte[0])
                .flatMap(body -> dispatch(call, request, body))
                .<Object>map(result -> new Answer(result, call.requestId))
                .onErrorResume(error -> Mono.just(refusal(call, unwrap(error))))
                .flatMap(response -> answer(call, response));
    }

    private Mono<?> dispatch(Call call, ServerRequest request, byte[] body) {
        Caller caller = authenticator.authenticate(request.headers(), request.uri().getPath(), body);
        call.caller = caller;
        authenticator.throttle(caller);
        String version = request.headers().firstHeader("X-TC-Version");
        if (version != null && !version.equals(API_VERSION)) {
            throw new ProtocolException(ErrorCode.NO_SUCH_VERSION, "this server speaks KMS API version " + API_VERSION);
        }
        Action<?> action = actions.find(call.action);
        if (action == null) {
            throw new ProtocolException(ErrorCode.INVALID_ACTION,
                    call.action == null ? "the X-TC-Action header is missing" : "the action " + call.action + " does not exist");
        }
        Object parameters = bind(action, body);
        call.requestedKey = action.requestedKey(parameters);
        call.parameters = AuditedParameters.of(json, parameters);
        // An HSM key's operation never runs on a non-blocking thread: the call runs again on the
        // blocking scheduler (nothing was done before the token was reached).
        @SuppressWarnings("unchecked")
        Mono<Object> handled = Mono.defer(() -> (Mono<Object>) action.handle(caller, parameters));
        Mono<Object> onBlocking = handled.subscribeOn(blocking);
        return switch (action.execution()) {
            case EVENT_LOOP -> handled.onErrorResume(BlockingKeystoreCall.class, hsm -> onBlocking);
            case COMPUTE -> handled.subscribeOn(compute).onErrorResume(BlockingKeystoreCall.class, hsm -> onBlocking);
            // Command handling and JDBC run on the bounded scheduler, never on the event loop.
            case BLOCKING -> Mono.defer(() -> action.handle(caller, parameters)).subscribeOn(blocking);
        };
    }

    private Object bind(Action<?> action, byte[] body) {
        byte[] document = isBlank(body) ? EMPTY_OBJECT : body;
        try {
            Object bound = readers.get(action.requestType()).readValue(document);
            if (bound == null) {
                throw new ProtocolException(ErrorCode.INVALID_PARAMETER, "the request body must be a JSON object");
            }
            return bound;
        } catch (UnrecognizedPropertyException e) {
            throw new ProtocolException(ErrorCode.UNKNOWN_PARAMETER,
                    "the parameter " + e.getPropertyName() + " is not a parameter of " + action.name());
        } catch (JsonProcessingException e) {
            if (causedBy(e, InputCoercionException.class)) {
                throw new ProtocolException(ErrorCode.INVALID_PARAMETER_VALUE, "a number in the request is out of range");
            }
            if (e instanceof MismatchedInputException mismatch && !mismatch.getPath().isEmpty()) {
                throw new ProtocolException(ErrorCode.INVALID_PARAMETER,
                        "the parameter " + mismatch.getPath().get(0).getFieldName() + " has the wrong type");
            }
            if (e instanceof MismatchedInputException) {
                throw new ProtocolException(ErrorCode.INVALID_PARAMETER, "the request body must be a JSON object");
            }
            throw new ProtocolException(ErrorCode.INVALID_PARAMETER, "the request body is not valid JSON");
        } catch (java.io.IOException e) {
            throw new ProtocolException(ErrorCode.INVALID_PARAMETER, "the request body cannot be read");
        }
    }

    private static boolean causedBy(Throwable error, Class<? extends Throwable> type) {
        for (Throwable e = error; e != null; e = e.getCause()) {
            if (type.isInstance(e)) {
                return true;
            }
        }
        return false;
    }

    /** {@code {"Response": …}}: the answer's fields, or its error, and the request id. */
    private record Envelope(Object response) {
    }

    /** A success: the action's result fields, written in place, then {@code RequestId}. */
    private record Answer(@JsonUnwrapped Object result, String requestId) {
    }

    private record Refusal(ErrorDetail error, String requestId) {
    }

    private record ErrorDetail(String code, String message) {
    }

    private static Refusal refusal(Call call, Throwable error) {
        String code;
        String message;
        if (error instanceof ProtocolException p) {
            code = p.code().code();
            message = p.getMessage();
        } else if (error instanceof KmsException k) {
            code = ErrorCode.of(k.error()).code();
            message = k.getMessage();
        } else if (error instanceof KeystoreUnavailableException unavailable) {
            // Never a fallback to software: the call fails until the token is back.
            code = ErrorCode.SERVICE_TEMPORARY_UNAVAILABLE.code();
            message = "the HSM is unavailable: " + unavailable.getMessage();
        } else if (error instanceof UnsupportedByKeystoreException unsupported) {
            code = ErrorCode.NOT_SUPPORTED_BY_HSM.code();
            message = unsupported.getMessage();
        } else if (error instanceof RejectedExecutionException) {
            code = ErrorCode.REQUEST_LIMIT_EXCEEDED.code();
            message = "the server is busy; retry with exponential backoff";
        } else if (error instanceof DataBufferLimitException) {
            code = ErrorCode.REQUEST_SIZE_LIMIT_EXCEEDED.code();
            message = "the request body is larger than " + MAX_BODY_BYTES + " bytes";
        } else {
            log.error("Request failed unexpectedly", error);
            code = ErrorCode.INTERNAL_ERROR.code();
            message = "an internal error occurred";
        }
        return new Refusal(new ErrorDetail(code, message), call.requestId);
    }

    /**
     * Records the call, and once the record is committed writes the envelope (serialised once). A
     * call whose record cannot be committed is answered {@code InternalError} instead: no answer
     * leaves without its record.
     */
    private Mono<ServerResponse> answer(Call call, Object response) {
        String outcome;
        AuditSubject subject;
        if (response instanceof Refusal refusal) {
            outcome = refusal.error().code();
            subject = AuditSubject.NONE;
        } else {
            outcome = ApiCallLog.SUCCESS;
            Object result = ((Answer) response).result();
            subject = result instanceof AuditSubject.Carrier carrier ? carrier.auditSubject() : AuditSubject.NONE;
        }
        Caller caller = call.caller;
        AuditRecord record = new AuditRecord(AuditRecord.SCHEMA_VERSION, UUID.randomUUID().toString(),
                Instant.now().toString(), call.requestId, ApiCallLog.callerText(call.action),
                caller == null ? null : caller.account().value(),
                ApiCallLog.callerText(call.secretId()),
                call.sourceAddress, subject.keyId(), subject.keyVersionId(), subject.sourceKeyId(),
                subject.sourceKeyVersionId(), subject.targetAccount(), subject.targetSecretId(),
                subject.keyId() == null ? ApiCallLog.callerText(call.requestedKey) : null, outcome,
                (System.nanoTime() - call.started) / 1000, call.parameters);
        byte[] body;
        try {
            body = json.writeValueAsBytes(new Envelope(response));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return callLog.record(record, call.eventLoop)
                .then(respond(body))
                .onErrorResume(notAudited -> Mono.fromCallable(() -> json.writeValueAsBytes(new Envelope(new Refusal(
                                new ErrorDetail(ErrorCode.INTERNAL_ERROR.code(), "the call could not be audited"),
                                call.requestId))))
                        .flatMap(TencentApiHandler::respond));
    }

    /**
     * The event loop of the call's connection, where its answer is written once its record is
     * committed; a worker of the parallel scheduler when the server is not Reactor Netty's.
     */
    private static Executor eventLoopOf(ServerRequest request) {
        Object connection = ServerHttpRequestDecorator.getNativeRequest(request.exchange().getRequest());
        if (connection instanceof reactor.netty.Connection netty) {
            return netty.channel().eventLoop();
        }
        return ApiCallLog.PARALLEL;
    }

    private static Mono<ServerResponse> respond(byte[] envelope) {
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(envelope);
    }

    private static Throwable unwrap(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof java.util.concurrent.ExecutionException
                || e instanceof org.axonframework.commandhandling.CommandExecutionException)
                && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    private static byte[] bytes(DataBuffer buffer) {
        try {
            byte[] bytes = new byte[buffer.readableByteCount()];
            buffer.read(bytes);
            return bytes;
        } finally {
            DataBufferUtils.release(buffer);
        }
    }

    private static boolean isBlank(byte[] body) {
        for (byte b : body) {
            if (!Character.isWhitespace(b)) {
                return false;
            }
        }
        return true;
    }

    /** What is known of one call as it goes, for its audit line. */
    private static final class Call {
        final String requestId;
        final String action;
        final long started;
        final String authorization;
        final String sourceAddress;
        final Executor eventLoop;
        volatile Caller caller;
        volatile String requestedKey;
        volatile Map<String, Object> parameters;

        Call(String requestId, String action, long started, String authorization, String sourceAddress,
             Executor eventLoop) {
            this.requestId = requestId;
            this.action = action;
            this.started = started;
            this.authorization = authorization;
            this.sourceAddress = sourceAddress;
            this.eventLoop = eventLoop;
        }

        /** The SecretId the call was signed with, authenticated or not (null if none can be read). */
        String secretId() {
            if (caller != null) {
                return caller.secretId();
            }
            try {
                return authorization == null ? null : Tc3Signature.parse(authorization).secretId();
            } catch (RuntimeException unreadable) {
                return null;
            }
        }
    }
}
