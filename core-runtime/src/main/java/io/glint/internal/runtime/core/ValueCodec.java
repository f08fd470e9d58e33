package io.glint.internal.runtime.core;

import io.glint.internal.proto.ObjectReference;
import io.glint.internal.proto.SerializedValue;
import io.glint.internal.proto.TaskArg;
import io.glint.internal.proto.ValueFormat;
import io.glint.internal.runtime.serialization.ArrowCodec;
import io.glint.internal.runtime.serialization.BufferCodec;
import io.glint.internal.runtime.serialization.Serializer;
import io.glint.internal.runtime.serialization.XlangCodec;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * Values to bytes and back, in the formats of the protocol: BUFFER (primitive arrays, NIO buffers,
 * memory segments: one bulk copy, zero-copy views when read back), ARROW (tables), XLANG
 * (MessagePack, for other languages) and JAVA (everything else, through the {@link Serializer}).
 * Values up to {@link CoreWorker#INLINE_MAX_BYTES} travel inline; larger ones are written into the
 * store by the {@link ObjectStoreClient}.
 */
final class ValueCodec implements AutoCloseable {
  private final Serializer serializer;
  private final XlangCodec xlang;
  // Created on first use: a process that never touches Arrow data never loads Arrow's allocator.
  private volatile ArrowCodec arrow;

  ValueCodec(Serializer serializer, XlangCodec xlang) {
    this.serializer = serializer;
    this.xlang = xlang;
  }

  Serializer serializer() {
    return serializer;
  }

  XlangCodec xlang() {
    return xlang;
  }

  /** The value of an inline payload. */
  Object decodeInline(SerializedValue v) {
    return switch (v.getFormat()) {
      case VALUE_FORMAT_ARROW ->
          arrow().read(MemorySegment.ofBuffer(v.getPayload().asReadOnlyByteBuffer()), null);
      case VALUE_FORMAT_XLANG -> xlang.decode(v.getPayload().asReadOnlyByteBuffer());
      case VALUE_FORMAT_BUFFER ->
          BufferCodec.read(MemorySegment.ofBuffer(v.getPayload().asReadOnlyByteBuffer()));
      default -> serializer.deserialize(v);
    };
  }

  /** A value ready to be stored: small ones travel inline, large ones go to the store. */
  sealed interface Encoded {
    /** ObjectRefs inside the value. */
    List<ObjectReference> nestedRefs();

    record Inline(SerializedValue value) implements Encoded {
      @Override
      public List<ObjectReference> nestedRefs() {
        return value.getNestedRefsList();
      }
    }

    record Large(
        long sizeBytes,
        ValueFormat format,
        java.util.function.Consumer<MemorySegment> writer,
        List<ObjectReference> nestedRefs)
        implements Encoded {
      Large(long sizeBytes, ValueFormat format, java.util.function.Consumer<MemorySegment> writer) {
        this(sizeBytes, format, writer, List.of());
      }
    }
  }

  /**
   * Encodes a value. Primitive arrays, NIO buffers and memory segments use the BUFFER format (one
   * bulk copy, no serializer pass, zero-copy views when read back); everything else the JAVA
   * format.
   */
  Encoded encode(Object value) {
    if (ArrowCodec.handles(value)) {
      var root = (VectorSchemaRoot) value;
      long size = arrow().encodedSize(root);
      if (size <= CoreWorker.INLINE_MAX_BYTES) {
        return encodedBytes(arrow().encode(root), ValueFormat.VALUE_FORMAT_ARROW);
      }
      return new Encoded.Large(
          size, ValueFormat.VALUE_FORMAT_ARROW, seg -> arrow().write(root, seg));
    }
    if (BufferCodec.handles(value)) {
      long size = BufferCodec.encodedSize(value);
      if (size <= CoreWorker.INLINE_MAX_BYTES) {
        return new Encoded.Inline(
            SerializedValue.newBuilder()
                .setFormat(ValueFormat.VALUE_FORMAT_BUFFER)
                .setPayload(
                    com.google.protobuf.UnsafeByteOperations.unsafeWrap(BufferCodec.encode(value)))
                .build());
      }
      return new Encoded.Large(
          size, ValueFormat.VALUE_FORMAT_BUFFER, seg -> BufferCodec.write(value, seg));
    }
    SerializedValue v = serializer.serialize(value);
    if (v.getPayload().size() <= CoreWorker.INLINE_MAX_BYTES) {
      return new Encoded.Inline(v);
    }
    return new Encoded.Large(
        v.getPayload().size(),
        v.getFormat(),
        seg -> v.getPayload().copyTo(seg.asByteBuffer()),
        v.getNestedRefsList());
  }

  /** Encodes a value for another language (XLANG), with the refs inside it. */
  Encoded encodeXlang(Object value) {
    List<ObjectReference> nested = new ArrayList<>();
    byte[] bytes = xlang.encode(value, nested);
    return encodedBytes(bytes, ValueFormat.VALUE_FORMAT_XLANG, nested);
  }

  /** Already-encoded bytes in {@code format}, inline or for the store. */
  Encoded encodedBytes(byte[] bytes, ValueFormat format) {
    return encodedBytes(bytes, format, List.of());
  }

  Encoded encodedBytes(byte[] bytes, ValueFormat format, List<ObjectReference> nested) {
    if (bytes.length <= CoreWorker.INLINE_MAX_BYTES) {
      return new Encoded.Inline(
          SerializedValue.newBuilder()
              .setFormat(format)
              .setPayload(com.google.protobuf.UnsafeByteOperations.unsafeWrap(bytes))
              .addAllNestedRefs(nested)
              .build());
    }
    return new Encoded.Large(
        bytes.length,
        format,
        seg ->
            MemorySegment.copy(
                bytes, 0, seg, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bytes.length),
        nested);
  }

  ArrowCodec arrow() {
    ArrowCodec a = arrow;
    if (a == null) {
      synchronized (this) {
        if (arrow == null) {
          arrow = new ArrowCodec();
        }
        a = arrow;
      }
    }
    return a;
  }

  /** Whether a task argument holds Arrow data. */
  static boolean isArrow(TaskArg a) {
    return a.hasValue()
        ? a.getValue().getFormat() == ValueFormat.VALUE_FORMAT_ARROW
        : a.hasObject()
            && a.getObject().getLocation().getFormat() == ValueFormat.VALUE_FORMAT_ARROW;
  }

  /** A value from its stored bytes (held in place while it is decoded, or by a view). */
  Object decodeStored(ValueFormat format, MemorySegment view) {
    return switch (format) {
      case VALUE_FORMAT_BUFFER -> BufferCodec.read(view);
      case VALUE_FORMAT_XLANG -> xlang.decode(view.asByteBuffer());
      case VALUE_FORMAT_ARROW -> arrow().read(view, null);
      default -> serializer.deserialize(format, view.asByteBuffer());
    };
  }

  @Override
  public void close() {
    ArrowCodec a = arrow;
    if (a != null) {
      a.close();
    }
  }
}
