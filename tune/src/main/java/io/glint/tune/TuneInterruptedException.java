package io.glint.tune;

import java.nio.file.Path;

/**
 * {@link Tuner#fit()} ended early because {@link Tuner#interrupt()} was called (from Python:
 * Ctrl-C). Running trials were stopped and the experiment's state saved as at a driver's death, so
 * {@link Tuner#restore} goes on from there.
 */
public final class TuneInterruptedException extends RuntimeException {
  private final transient Path experimentDir;

  TuneInterruptedException(Path experimentDir) {
    super(
        "the experiment was interrupted; its state is saved in "
            + experimentDir
            + ": Tuner.restore(that directory, trainable) goes on from there");
    this.experimentDir = experimentDir;
  }

  public Path experimentDir() {
    return experimentDir;
  }
}
