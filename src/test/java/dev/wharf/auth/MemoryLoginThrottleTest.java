package dev.wharf.auth;

class MemoryLoginThrottleTest extends LoginThrottleContract {
    @Override
    LoginThrottle throttle() {
        return new MemoryLoginThrottle(clock);
    }
}
