package dev.wharf.config;

/** A setting is unknown or has a bad value; the message names the key and where it came from. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
