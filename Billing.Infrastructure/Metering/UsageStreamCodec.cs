using System.Text;

namespace Billing.Infrastructure.Metering;

/// <summary>
/// A request's usage events as the bytes of one stream entry: length-prefixed UTF-8 strings, variable-length integers
/// and tick counts (no JSON to build or parse on the request's path). The leading version byte lets a replica of a
/// newer release tell an entry it cannot read from a corrupt one.
/// </summary>
internal static class UsageStreamCodec
{
    private const byte Version = 1;

    public static byte[] Encode(IReadOnlyList<NewUsageEvent> events)
    {
        using var buffer = new MemoryStream(16 + (events.Count * 160));
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Version);
            writer.Write7BitEncodedInt(events.Count);
            Span<byte> tenant = stackalloc byte[16];
            foreach (var e in events)
            {
                e.TenantId.TryWriteBytes(tenant);
                writer.Write(tenant);
                writer.Write(e.EventId);
                writer.Write(e.Metric);
                writer.Write7BitEncodedInt64(e.Value);
                writer.Write(e.OccurredAt.UtcTicks);
                writer.Write(e.PeriodStart.UtcTicks);
                WriteOptional(writer, e.PropertiesJson);
                WriteOptional(writer, e.TraceParent);
                writer.Write(e.Precounted);
            }
        }

        return buffer.ToArray();
    }

    /// <summary>The events of an entry; null (with the reason) when the bytes are not an entry this release can read.</summary>
    public static IReadOnlyList<NewUsageEvent>? Decode(byte[] payload, out string? problem)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(payload, writable: false), Encoding.UTF8);
            var version = reader.ReadByte();
            if (version != Version)
            {
                problem = $"Entry format version {version} is not known to this release (it reads version {Version}).";
                return null;
            }

            var count = reader.Read7BitEncodedInt();
            if (count < 0 || count > payload.Length)
            {
                problem = $"Entry claims {count} events in {payload.Length} bytes.";
                return null;
            }

            var events = new List<NewUsageEvent>(count);
            for (var i = 0; i < count; i++)
            {
                events.Add(new NewUsageEvent(
                    TenantId: new Guid(reader.ReadBytes(16)),
                    EventId: reader.ReadString(),
                    Metric: reader.ReadString(),
                    Value: reader.Read7BitEncodedInt64(),
                    OccurredAt: new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero),
                    PeriodStart: new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero),
                    PropertiesJson: ReadOptional(reader),
                    TraceParent: ReadOptional(reader),
                    Precounted: reader.ReadBoolean()));
            }

            problem = reader.BaseStream.Position == payload.Length ? null : "Entry has bytes after its last event.";
            return problem is null ? events : null;
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or ArgumentException or IOException)
        {
            problem = $"Entry is not readable: {e.Message}";
            return null;
        }
    }

    private static void WriteOptional(BinaryWriter writer, string? value)
    {
        writer.Write(value is not null);
        if (value is not null)
        {
            writer.Write(value);
        }
    }

    private static string? ReadOptional(BinaryReader reader) => reader.ReadBoolean() ? reader.ReadString() : null;
}
