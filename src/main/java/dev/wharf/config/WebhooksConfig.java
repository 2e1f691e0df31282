package dev.wharf.config;

import java.time.Duration;

/**
 * Webhook delivery on this node: whether it runs delivery workers and how many, how long a receiver may take,
 * the back-off between attempts and for how long a delivery is retried, and the external URL payloads name.
 */
public record WebhooksConfig(boolean deliver, int workers, Duration timeout, Duration retryInitial,
        Duration retryMax, Duration retryFor, String publicUrl) {

    static WebhooksConfig from(ConfigValues c) {
        String url = c.string(ConfigKey.WEBHOOKS_PUBLIC_URL);
        if (!url.isEmpty() && !ConfigLoader.isHttpUrl(url)) {
            throw c.bad(ConfigKey.WEBHOOKS_PUBLIC_URL, url, "expected an http:// or https:// URL");
        }
        Duration initial = c.duration(ConfigKey.WEBHOOKS_RETRY_INITIAL);
        Duration max = c.duration(ConfigKey.WEBHOOKS_RETRY_MAX);
        if (max.compareTo(initial) < 0) {
            throw c.bad(ConfigKey.WEBHOOKS_RETRY_MAX, c.raw(ConfigKey.WEBHOOKS_RETRY_MAX),
                    "must not be shorter than webhooks.retry_initial");
        }
        return new WebhooksConfig(c.bool(ConfigKey.WEBHOOKS_DELIVER), c.integer(ConfigKey.WEBHOOKS_WORKERS, 1, 64),
                c.duration(ConfigKey.WEBHOOKS_TIMEOUT), initial, max, c.duration(ConfigKey.WEBHOOKS_RETRY_FOR),
                url.replaceAll("/+$", ""));
    }
}
