import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Enumeration;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * A build step of the pausectl launcher (issue 12 item 7), run by control-cli's pom on the shaded jar
 * before it becomes {@code target/pausectl}: {@code java -cp ASM UpgradeClassFiles.java JAR PREFIX...}.
 *
 * <p>Every class file under a {@code PREFIX} (e.g. {@code picocli/}) older than class-file version 52
 * is rewritten as version 52 (Java 8), with the stack map frames that version requires computed by
 * ASM ({@link ClassWriter#COMPUTE_FRAMES}); the code itself is not changed. Why: picocli's jars on
 * Maven Central are all built for Java 5 (version 49). The JVM's class-data sharing refuses to
 * archive class files older than version 50, so picocli, the biggest library on the path of every
 * call, was loaded from the jar and checked by the old type-inferring verifier on every call; as
 * version 52 its classes go into the launcher's archive, verified once when the archive is made.
 *
 * <p>Other entries are copied as they are, in their order. A class file that cannot be rewritten
 * (e.g. one with {@code jsr}/{@code ret}, which version 52 forbids) stops the build with its name.
 */
public final class UpgradeClassFiles {
    /** The class-file version written: Java 8's, the first whose class files must carry stack maps. */
    private static final int VERSION = Opcodes.V1_8;

    private UpgradeClassFiles() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: java -cp ASM UpgradeClassFiles.java JAR PREFIX...");
            System.exit(2);
        }
        Path jar = Path.of(args[0]);
        Path rewritten = jar.resolveSibling(jar.getFileName() + ".upgrading");
        int upgraded = 0;
        try (ZipFile in = new ZipFile(jar.toFile());
             URLClassLoader classes = new URLClassLoader(new URL[] {jar.toUri().toURL()},
                     ClassLoader.getPlatformClassLoader());
             OutputStream file = Files.newOutputStream(rewritten);
             ZipOutputStream out = new ZipOutputStream(file)) {
            for (Enumeration<? extends ZipEntry> entries = in.entries(); entries.hasMoreElements(); ) {
                ZipEntry entry = entries.nextElement();
                byte[] bytes;
                try (InputStream content = in.getInputStream(entry)) {
                    bytes = content.readAllBytes();
                }
                if (selected(entry.getName(), args) && majorVersion(bytes) < VERSION) {
                    try {
                        bytes = upgrade(bytes, classes);
                    } catch (RuntimeException e) {
                        throw new IllegalStateException("cannot upgrade " + entry.getName() + ": " + e, e);
                    }
                    upgraded++;
                }
                ZipEntry copy = new ZipEntry(entry.getName());
                copy.setTime(entry.getTime());
                out.putNextEntry(copy);
                out.write(bytes);
                out.closeEntry();
            }
        }
        Files.move(rewritten, jar, StandardCopyOption.REPLACE_EXISTING);
        System.out.println("UpgradeClassFiles: " + upgraded + " class files rewritten as version " + VERSION
                + " in " + jar.getFileName());
    }

    private static boolean selected(String name, String[] args) {
        if (!name.endsWith(".class") || name.endsWith("module-info.class")) {
            return false;
        }
        for (int i = 1; i < args.length; i++) {
            if (name.startsWith(args[i])) {
                return true;
            }
        }
        return false;
    }

    /** The major version of a class file (bytes 6 and 7, big-endian). */
    private static int majorVersion(byte[] classFile) {
        return (classFile[6] & 0xff) << 8 | classFile[7] & 0xff;
    }

    private static byte[] upgrade(byte[] classFile, ClassLoader classes) {
        ClassReader reader = new ClassReader(classFile);
        // Frames need the common superclass of two types at a merge point: look them up among the
        // jar's own classes (and the JDK's), never the build's.
        ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_FRAMES) {
            @Override
            protected ClassLoader getClassLoader() {
                return classes;
            }
        };
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public void visit(int version, int access, String name, String signature, String superName,
                              String[] interfaces) {
                super.visit(VERSION, access, name, signature, superName, interfaces);
            }
        }, ClassReader.SKIP_FRAMES);
        return writer.toByteArray();
    }
}
