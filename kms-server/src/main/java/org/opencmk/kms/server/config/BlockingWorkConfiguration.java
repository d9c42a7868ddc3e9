package org.opencmk.kms.server.config;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Where blocking work runs: command handling (Axon's {@code SimpleCommandBus} runs handlers, and
 * their JDBC, on the dispatching thread) and every other database call of a request. One thread
 * per database connection, since a thread more would only wait for a connection; a bounded queue
 * behind them, so that a flood of management calls is refused ({@code RequestLimitExceeded})
 * rather than queued without end. The event loops never wait for any of it.
 */
@Configuration(proxyBeanMethods = false)
public class BlockingWorkConfiguration {

    /** Blocking tasks that may wait for a thread before new ones are refused. */
    static final int MAX_QUEUED_TASKS = 10_000;

    @Bean(destroyMethod = "dispose")
    public Scheduler blockingScheduler() {
        return Schedulers.newBoundedElastic(DatabaseConfiguration.POOL_SIZE, MAX_QUEUED_TASKS, "kms-blocking");
    }
}
