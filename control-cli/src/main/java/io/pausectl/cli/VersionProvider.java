package io.pausectl.cli;

import io.pausectl.common.BuildVersion;
import picocli.CommandLine.IVersionProvider;

/** {@code --version}: the version the build wrote (see {@link BuildVersion}) and the Java runtime. */
final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        return BuildVersion.lines("pausectl");
    }
}
