package io.glint.internal.proto;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The protocol is language-neutral: a TaskSpec written by Java is read by Python through classes
 * generated from the same .proto files, and Python's answer is read back by Java.
 *
 * <p>Needs a Python with protobuf: {@code -Dglint.python=...} (scripts/test sets it and also sets
 * {@code glint.requirePython}, so in CI a missing interpreter fails instead of skipping).
 */
class CrossLanguageRoundTripTest {
  @TempDir Path tmp;

  @Test
  void taskSpecRoundTripsThroughPython() throws Exception {
    String python = System.getProperty("glint.python", System.getenv("GLINT_PYTHON_EXECUTABLE"));
    boolean required = Boolean.getBoolean("glint.requirePython");
    if (python == null || !Files.isExecutable(Path.of(python))) {
      if (required) {
        throw new AssertionError(
            "glint.requirePython is set but no Python was given (-Dglint.python)");
      }
      Assumptions.abort("no Python with protobuf configured (-Dglint.python); run scripts/test");
    }
    ByteString taskId = ByteString.copyFrom(new byte[16]);
    TaskSpec spec =
        TaskSpec.newBuilder()
            .setTaskId(taskId)
            .setType(TaskType.TASK_TYPE_NORMAL_TASK)
            .setFunction(
                FunctionDescriptor.newBuilder()
                    .setLanguage(Language.LANGUAGE_JAVA)
                    .setModuleOrClass("com.acme.Fns")
                    .setFunctionName("square")
                    .setSignature("(I)I"))
            .setRequiredResources(
                ResourceSet.newBuilder().putQuantities("CPU", 1.0).putQuantities("GPU", 0.5))
            .addArgs(
                TaskArg.newBuilder()
                    .setValue(
                        SerializedValue.newBuilder()
                            .setFormat(ValueFormat.VALUE_FORMAT_XLANG)
                            .setPayload(ByteString.copyFrom(new byte[] {4}))))
            .addArgs(
                TaskArg.newBuilder()
                    .setObject(
                        ObjectArg.newBuilder()
                            .setRef(
                                ObjectReference.newBuilder()
                                    .setObjectId(ByteString.copyFromUtf8("obj"))
                                    .setOwner(
                                        Address.newBuilder().setHost("127.0.0.1").setPort(4321)))))
            .setMaxRetries(3)
            .setName("Fns.square")
            .build();
    Path in = tmp.resolve("spec.bin");
    Path out = tmp.resolve("result.bin");
    Files.write(in, spec.toByteArray());

    Path script = Path.of("src/test/python/roundtrip.py").toAbsolutePath();
    Path stubs = Path.of("target/generated-sources/protobuf").toAbsolutePath();
    ProcessBuilder pb =
        new ProcessBuilder(python, script.toString(), in.toString(), out.toString())
            .redirectErrorStream(true);
    pb.environment().put("PYTHONPATH", stubs.toString());
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(output).isZero();

    TaskResult result = TaskResult.parseFrom(Files.readAllBytes(out));
    assertThat(result.getTaskId()).isEqualTo(taskId);
    assertThat(result.getReturns(0).getValue().getPayload().toByteArray()).containsExactly(0x10);
    assertThat(result.getFailure().getType()).isEqualTo("ValueError");
    assertThat(result.getFailure().getOriginLanguage()).isEqualTo(Language.LANGUAGE_PYTHON);
  }
}
