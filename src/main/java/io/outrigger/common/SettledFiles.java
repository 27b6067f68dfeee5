package io.outrigger.common;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Watches files by their contents, which sees an in-place write, an atomic rename and the
 * kubelet's symlink swap alike (a file-system event would not). The owner polls it; a change is
 * reported once two polls in a row agree, so a file still being written is not read half-way.
 * The contents at construction are the baseline. Not thread-safe: one poller calls it.
 */
public final class SettledFiles {

    private final List<Path> files;
    private long[] reported;
    private long[] pending;

    public SettledFiles(List<Path> files) {
        this.files = List.copyOf(files);
        this.reported = fingerprints();
    }

    public List<Path> files() {
        return files;
    }

    /** The files whose contents changed since the last report, once the change has settled; else empty. */
    public List<Path> changed() {
        long[] now = fingerprints();
        if (Arrays.equals(now, reported)) {
            pending = null;
            return List.of();
        }
        if (!Arrays.equals(now, pending)) {
            pending = now;   // changed, but maybe still changing: report it when the next poll agrees
            return List.of();
        }
        List<Path> changed = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            if (now[i] != reported[i]) {
                changed.add(files.get(i));
            }
        }
        pending = null;
        reported = now;
        return changed;
    }

    /** A checksum per file, reading through symlinks; -1 for a file that cannot be read right now. */
    private long[] fingerprints() {
        long[] result = new long[files.size()];
        for (int i = 0; i < result.length; i++) {
            try {
                CRC32 crc = new CRC32();
                crc.update(Files.readAllBytes(files.get(i)));
                result[i] = crc.getValue();
            } catch (IOException e) {
                result[i] = -1;
            }
        }
        return result;
    }
}
