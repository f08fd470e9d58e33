package io.glint.data.exec;

import io.glint.api.ObjectRef;
import org.apache.arrow.vector.VectorSchemaRoot;

/** A block in the object store with what the executor knows of it. */
public record Block(ObjectRef<VectorSchemaRoot> ref, int index, long rows, long bytes) {}
