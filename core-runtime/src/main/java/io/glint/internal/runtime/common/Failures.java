package io.glint.internal.runtime.common;

import com.google.protobuf.ByteString;
import io.glint.api.exception.ActorDiedFailure;
import io.glint.api.exception.ObjectLostFailure;
import io.glint.api.exception.RemoteFailure;
import io.glint.api.exception.TaskCancelledFailure;
import io.glint.api.exception.TaskFailure;
import io.glint.api.exception.WorkerCrashedFailure;
import io.glint.internal.proto.Failure;
import io.glint.internal.proto.FailureKind;
import io.glint.internal.proto.Language;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.PrintWriter;
import java.io.StringWriter;

/** Converts between Java throwables and the protocol's language-neutral {@link Failure}. */
public final class Failures {
  /** The largest serialized exception we ship; bigger ones travel as text only. */
  private static final int MAX_SERIALIZED_EXCEPTION = 1 << 20;

  private Failures() {}

  /** A failure raised by user code. A nested remote failure keeps its original type. */
  public static Failure fromThrowable(
      Throwable t, FailureKind kind, String taskName, ByteString nodeId) {
    Failure.Builder b =
        Failure.newBuilder()
            .setKind(kind)
            .setOriginLanguage(Language.LANGUAGE_JAVA)
            .setTaskName(taskName == null ? "" : taskName)
            .setPid((int) ProcessHandle.current().pid())
            .setNodeId(nodeId == null ? ByteString.EMPTY : nodeId);
    if (t instanceof RemoteFailure rf) {
      // Propagate a failure from a nested task: keep its identity, add where it passed through.
      b.setType(rf.type())
          .setMessage(rf.remoteMessage() == null ? "" : rf.remoteMessage())
          .setOriginLanguage(toProto(rf.originLanguage()))
          .setRemoteStack(stackTrace(t));
    } else {
      b.setType(t.getClass().getName())
          .setMessage(t.getMessage() == null ? "" : t.getMessage())
          .setRemoteStack(stackTrace(t));
    }
    byte[] ser = javaSerialize(t);
    if (ser != null) {
      b.setSerializedException(ByteString.copyFrom(ser));
    }
    return b.build();
  }

  /** A failure raised by the system, not user code. */
  public static Failure system(FailureKind kind, String type, String message, boolean retryable) {
    return Failure.newBuilder()
        .setKind(kind)
        .setType(type)
        .setMessage(message)
        .setOriginLanguage(Language.LANGUAGE_JAVA)
        .setRetryable(retryable)
        .build();
  }

  /** The exception a user sees for {@code f}. */
  public static RemoteFailure toException(Failure f, ClassLoader loader) {
    Throwable cause = null;
    if (!f.getSerializedException().isEmpty()) {
      cause = javaDeserialize(f.getSerializedException().toByteArray(), loader);
      if (cause instanceof RemoteFailure) {
        cause = cause.getCause();
      }
    }
    io.glint.api.Language lang =
        f.getOriginLanguage() == Language.LANGUAGE_PYTHON
            ? io.glint.api.Language.PYTHON
            : io.glint.api.Language.JAVA;
    String where =
        f.getTaskName().isEmpty()
            ? ""
            : f.getTaskName() + (f.getPid() != 0 ? " (pid=" + f.getPid() + ")" : "") + " ";
    String detail = f.getType() + (f.getMessage().isEmpty() ? "" : ": " + f.getMessage());
    return switch (f.getKind()) {
      case FAILURE_KIND_WORKER_CRASHED ->
          new WorkerCrashedFailure(
              "The worker running " + where + "died: " + f.getMessage(),
              f.getType(),
              f.getMessage(),
              f.getRemoteStack(),
              lang,
              true,
              cause);
      case FAILURE_KIND_OUT_OF_MEMORY ->
          new io.glint.api.exception.OutOfMemoryFailure(
              "The worker running " + where + "was killed for memory: " + f.getMessage(),
              f.getType(),
              f.getMessage(),
              f.getRemoteStack(),
              lang,
              true,
              cause);
      case FAILURE_KIND_ACTOR_DIED ->
          new ActorDiedFailure(
              "The actor died: " + detail,
              f.getType(),
              f.getMessage(),
              f.getRemoteStack(),
              lang,
              false,
              cause);
      case FAILURE_KIND_OBJECT_LOST, FAILURE_KIND_OWNER_DIED ->
          new ObjectLostFailure(
              "Object lost: " + detail,
              f.getType(),
              f.getMessage(),
              f.getRemoteStack(),
              lang,
              f.getRetryable(),
              cause);
      case FAILURE_KIND_TASK_CANCELLED ->
          new TaskCancelledFailure(
              "Task " + where + "was cancelled",
              f.getType(),
              f.getMessage(),
              f.getRemoteStack(),
              lang,
              false,
              cause);
      default ->
          new TaskFailure(
              "Task " + where + "failed with " + detail,
              f.getType(),
              f.getMessage(),
              f.getRemoteStack(),
              lang,
              f.getRetryable(),
              cause);
    };
  }

  public static String stackTrace(Throwable t) {
    StringWriter sw = new StringWriter();
    t.printStackTrace(new PrintWriter(sw));
    return sw.toString();
  }

  private static Language toProto(io.glint.api.Language l) {
    return l == io.glint.api.Language.PYTHON ? Language.LANGUAGE_PYTHON : Language.LANGUAGE_JAVA;
  }

  private static byte[] javaSerialize(Throwable t) {
    try {
      ByteArrayOutputStream bos = new ByteArrayOutputStream();
      try (ObjectOutputStream oos = new ObjectOutputStream(bos)) {
        oos.writeObject(t);
      }
      return bos.size() <= MAX_SERIALIZED_EXCEPTION ? bos.toByteArray() : null;
    } catch (Exception | StackOverflowError e) {
      return null; // a field is not serializable: the text form still travels
    }
  }

  private static Throwable javaDeserialize(byte[] bytes, ClassLoader loader) {
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes)) {
          @Override
          protected Class<?> resolveClass(ObjectStreamClass desc)
              throws java.io.IOException, ClassNotFoundException {
            try {
              return Class.forName(desc.getName(), false, loader);
            } catch (ClassNotFoundException e) {
              return super.resolveClass(desc);
            }
          }
        }) {
      return (Throwable) in.readObject();
    } catch (Exception e) {
      return null; // the class is not here: the text form is what we have
    }
  }
}
