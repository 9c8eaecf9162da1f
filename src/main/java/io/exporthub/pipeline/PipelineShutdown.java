package io.exporthub.pipeline;

import io.exporthub.task.TaskStore;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops after the routes (which let in-flight files finish within the shutdown timeout) and before
 * the store: whatever is still running goes back to pending, so that no file is left running.
 */
public class PipelineShutdown extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(PipelineShutdown.class);

    private final TaskStore tasks;

    public PipelineShutdown(TaskStore tasks) {
        this.tasks = tasks;
    }

    @Override
    protected void doStop() {
        try {
            int released = tasks.releaseRunning();
            if (released > 0) {
                LOG.info("{} file(s) did not finish before shutdown: back to pending, resumed on the next start", released);
            }
        } catch (RuntimeException e) {
            LOG.warn("Could not put unfinished files back to pending; the next start will", e);
        }
    }
}
