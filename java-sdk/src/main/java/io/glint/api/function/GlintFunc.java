package io.glint.api.function;

import java.io.Serializable;

/**
 * The root of the remote function interfaces ({@code GlintFunc0..7}, {@code GlintFuncVoid0..7}).
 *
 * <p>Remote functions are identified by the method they refer to, so pass a method reference
 * ({@code MyFns::square}) or a lambda; values a lambda captures travel with the call.
 */
public interface GlintFunc extends Serializable {}
