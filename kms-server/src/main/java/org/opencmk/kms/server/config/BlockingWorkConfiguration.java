package org.opencmk.kms.server.config;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Where work that must not run on an event loop runs. Blocking work: command handling (Axon's {@code SimpleCommandBus} runs handlers, and
 * their JDBC, on the dispatching thread) and every other database call of a request. One thread
 * per database connection, since a thread more would only wait for a connection; a bounded queue
 * behind them, so that a flood of management calls is refused ({@code RequestLimitExceeded})
 * rather than queued without end. The event loops never wait for any of it. And costly CPU work,
 * on a scheduler of its own (see {@link #computeScheduler()}).
 */
@Configuration(proxyBeanMethods = false)
public class BlockingWorkConfiguration {

    /** Blocking tasks that may wait for a thread before new ones are refused. */
    static final int MAX_QUEUED_TASKS = 10_000;

    @Bean(destroyMethod = "dispose")
    public Scheduler blockingScheduler() {
        return Schedulers.newBoundedElastic(DatabaseConfiguration.POOL_SIZE, MAX_QUEUED_TASKS, "kms-blocking");
    }

    /**
     * Costly CPU-only work (private-key and elliptic-curve operations): one thread per core, as a
     * thread more could only wait for a core, and the same bounded queue.
     */
    @Bean(destroyMethod = "dispose")
    public Scheduler computeScheduler() {
        return Schedulers.newBoundedElastic(Runtime.getRuntime().availableProcessors(), MAX_QUEUED_TASKS, "kms-compute");
    }
}
