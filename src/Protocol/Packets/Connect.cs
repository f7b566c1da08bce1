using System.Buffers;

namespace ZeroDepMqtt.Protocol.Packets;

/// <summary>CONNECT (§3.1): the client's first packet on every connection (MQTT-3.1.0-1).</summary>
/// <remarks>
/// <code>
/// byte 1       0x10                       CONNECT, flags 0000
/// byte 2..     Remaining Length
/// protocol     00 04 'MQTT' level 4       (3.1.1)
///              00 06 'MQIsdp' level 3     (3.1)
/// flags        7 user name, 6 password, 5 will retain, 4-3 will QoS, 2 will, 1 clean session, 0 reserved = 0
/// keep alive   2 bytes, seconds, 0 = off
/// payload      client id, [will topic, will message], [user name], [password]   (MQTT-3.1.3-1)
/// </code>
/// </remarks>
public readonly struct Connect
{
    /// <summary>The first byte on the wire.</summary>
    public const byte FirstByte = 0x10;

    private static ReadOnlySpan<byte> NameV311 => "MQTT"u8;
    private static ReadOnlySpan<byte> NameV310 => "MQIsdp"u8;

    /// <summary>3.1 or 3.1.1; decides the protocol name and level.</summary>
    public MqttProtocolVersion Version { get; init; }

    /// <summary>The client identifier; 3.1 requires 1–23 characters.</summary>
    public string ClientId { get; init; }

    /// <summary>CleanSession: start a fresh session and drop it at the end (MQTT-3.1.2-6).</summary>
    public bool CleanSession { get; init; }

    /// <summary>Keep Alive in seconds; 0 turns keep-alive off.</summary>
    public ushort KeepAliveSeconds { get; init; }

    /// <summary>The user name, or null for none.</summary>
    public string? UserName { get; init; }

    /// <summary>The password (binary in 3.1.1), or null for none. Needs a user name (MQTT-3.1.2-22).</summary>
    public byte[]? Password { get; init; }

    /// <summary>The Will topic, or null for no Will.</summary>
    public string? WillTopic { get; init; }

    /// <summary>The Will message.</summary>
    public ReadOnlyMemory<byte> WillMessage { get; init; }

    /// <summary>The Will QoS.</summary>
    public QualityOfService WillQoS { get; init; }

    /// <summary>The Will Retain flag.</summary>
    public bool WillRetain { get; init; }

    /// <summary>Creates a CONNECT.</summary>
    public Connect(MqttProtocolVersion version, string clientId)
    {
        Version = version;
        ClientId = clientId;
        CleanSession = true;
    }

    /// <summary>The Connect Flags byte.</summary>
    public byte Flags =>
        (byte)((UserName is not null ? 0x80 : 0)
             | (Password is not null ? 0x40 : 0)
             | (WillTopic is not null && WillRetain ? 0x20 : 0)
             | (WillTopic is not null ? ((byte)WillQoS << 3) | 0x04 : 0)
             | (CleanSession ? 0x02 : 0));

    /// <summary>The exact encoded size.</summary>
    /// <exception cref="ArgumentException">See <see cref="WriteTo"/>.</exception>
    public int EncodedLength => PacketWriting.PacketLength(Measure(out _));

    /// <summary>Writes the packet.</summary>
    /// <exception cref="ArgumentException">
    /// An invalid string (MQTT-1.5.3-1/2), a 3.1 client id outside 1–23 characters (MQTT 3.1 §3.1), an empty client id
    /// without CleanSession (MQTT-3.1.3-7), a password without a user name (MQTT-3.1.2-22), Will QoS 3 (MQTT-3.1.2-14),
    /// an invalid Will topic, or a field above 65,535 bytes.
    /// </exception>
    public void WriteTo(IBufferWriter<byte> writer)
    {
        int body = Measure(out var lengths);
        int total = PacketWriting.PacketLength(body);
        var w = new SpanWriter(writer.GetSpan(total));
        w.WriteFixedHeader(FirstByte, body);
        w.WriteBinary(Version == MqttProtocolVersion.V310 ? NameV310 : NameV311);
        w.WriteByte((byte)Version);
        w.WriteByte(Flags);
        w.WriteUInt16(KeepAliveSeconds);
        w.WriteString(ClientId, lengths.ClientId);
        if (WillTopic is not null)
        {
            w.WriteString(WillTopic, lengths.WillTopic);
            w.WriteBinary(WillMessage.Span);
        }
        if (UserName is not null) w.WriteString(UserName, lengths.UserName);
        if (Password is { } password) w.WriteBinary(password);
        writer.Advance(total);
    }

    private record struct FieldLengths(int ClientId, int WillTopic, int UserName);

    private int Measure(out FieldLengths lengths)
    {
        if (Version is not (MqttProtocolVersion.V310 or MqttProtocolVersion.V311))
            ThrowHelper.ArgumentOutOfRange(nameof(Version), $"protocol level {(byte)Version} is neither 3 (MQTT 3.1) nor 4 (MQTT 3.1.1).");
        ArgumentNullException.ThrowIfNull(ClientId, nameof(ClientId));
        int clientId = MqttUtf8.GetByteCount(ClientId, nameof(ClientId));
        if (Version == MqttProtocolVersion.V310 && (ClientId.Length is 0 or > MqttV310Limits.MaxClientIdLength))
            ThrowHelper.Argument(nameof(ClientId), $"MQTT 3.1 needs a client id of 1 to {MqttV310Limits.MaxClientIdLength} characters; this one has {ClientId.Length} (MQTT 3.1 §3.1).");
        if (clientId == 0 && !CleanSession)
            ThrowHelper.Argument(nameof(ClientId), "an empty client id needs CleanSession (MQTT-3.1.3-7).");
        if (Password is not null && UserName is null)
            ThrowHelper.Argument(nameof(Password), "a password needs a user name (MQTT-3.1.2-22; MQTT 3.1 §3.1 says the same).");

        int body = (Version == MqttProtocolVersion.V310 ? 2 + 6 : 2 + 4) + 1 + 1 + 2 + 2 + clientId;
        int willTopic = 0, userName = 0;
        if (WillTopic is not null)
        {
            PacketWriting.CheckQoS(WillQoS, nameof(WillQoS), "MQTT-3.1.2-14");
            willTopic = TopicName.Create(WillTopic).Utf8.Length;
            if (WillMessage.Length > MqttUtf8.MaxLength)
                ThrowHelper.Argument(nameof(WillMessage), $"the Will message is {WillMessage.Length} bytes; at most 65,535 fit (MQTT-3.1.3).");
            body += 2 + willTopic + 2 + WillMessage.Length;
        }
        if (UserName is not null)
        {
            userName = MqttUtf8.GetByteCount(UserName, nameof(UserName));
            body += 2 + userName;
        }
        if (Password is { } password)
        {
            if (password.Length > MqttUtf8.MaxLength)
                ThrowHelper.Argument(nameof(Password), $"the password is {password.Length} bytes; at most 65,535 fit (MQTT-3.1.3).");
            body += 2 + password.Length;
        }
        lengths = new FieldLengths(clientId, willTopic, userName);
        return body;
    }

    /// <summary>Reads a CONNECT (a broker's view; used by tests and test brokers).</summary>
    /// <exception cref="MqttProtocolException">A wrong protocol name or level, the reserved flag set (MQTT-3.1.2-3), inconsistent Will or password flags, or a malformed field.</exception>
    public static Connect Read(in MqttFrame frame)
    {
        const string Name = "CONNECT";
        MqttFrameReader.CheckFlags(frame, 0, Name, MqttProtocolVersion.V311);
        var reader = frame.CreateReader(Name);
        long at = reader.Position;
        var name = reader.ReadUtf8("protocol name", out _).Span;
        long levelAt = reader.Position;
        byte level = reader.ReadByte("protocol level");
        MqttProtocolVersion version;
        if (name.SequenceEqual(NameV311) && level == 4) version = MqttProtocolVersion.V311;
        else if (name.SequenceEqual(NameV310) && level == 3) version = MqttProtocolVersion.V310;
        else return ThrowHelper.Protocol<Connect>(MqttErrorReason.InvalidConnect, Name, $"protocol name/level is not MQTT/4 or MQIsdp/3 (level {level})", name.SequenceEqual(NameV311) || name.SequenceEqual(NameV310) ? levelAt : at, "MQTT-3.1.2-1");

        long flagsAt = reader.Position;
        byte flags = reader.ReadByte("connect flags");
        if ((flags & 0x01) != 0) ThrowHelper.Protocol(MqttErrorReason.InvalidConnect, Name, "reserved connect flag bit 0 is set", flagsAt, "MQTT-3.1.2-3");
        bool will = (flags & 0x04) != 0;
        int willQos = (flags >> 3) & 0x03;
        bool willRetain = (flags & 0x20) != 0;
        if (!will && (willQos != 0 || willRetain))
            ThrowHelper.Protocol(MqttErrorReason.InvalidConnect, Name, "Will QoS or Will Retain set without the Will flag", flagsAt, willQos != 0 ? "MQTT-3.1.2-13" : "MQTT-3.1.2-15");
        if (will && willQos == 3) ThrowHelper.Protocol(MqttErrorReason.InvalidQoS, Name, "Will QoS is 3", flagsAt, "MQTT-3.1.2-14");
        bool hasUser = (flags & 0x80) != 0, hasPassword = (flags & 0x40) != 0;
        if (hasPassword && !hasUser) ThrowHelper.Protocol(MqttErrorReason.InvalidConnect, Name, "Password flag set without User Name flag", flagsAt, "MQTT-3.1.2-22");

        ushort keepAlive = reader.ReadUInt16("keep alive");
        string clientId = reader.ReadString("client id");
        string? willTopic = null;
        ReadOnlyMemory<byte> willMessage = default;
        if (will)
        {
            var topic = reader.ReadUtf8("will topic", out long topicAt);
            int bad = TopicName.Validate(topic.Span, out var problem, out var specId);
            if (bad >= 0) ThrowHelper.Protocol(MqttErrorReason.InvalidTopicName, Name, "will " + problem, topicAt + bad, specId);
            willTopic = MqttUtf8.Decode(topic.Span);
            willMessage = reader.ReadBinary("will message").ToArray();
        }
        string? user = hasUser ? reader.ReadString("user name") : null;
        // The cast matters: `cond ? byte[] : null` would turn "no password" into an empty one.
        byte[]? password = hasPassword ? reader.ReadBinary("password").ToArray() : null;
        reader.ExpectEnd();
        return new Connect(version, clientId)
        {
            CleanSession = (flags & 0x02) != 0,
            KeepAliveSeconds = keepAlive,
            UserName = user,
            Password = password,
            WillTopic = willTopic,
            WillMessage = willMessage,
            WillQoS = (QualityOfService)willQos,
            WillRetain = willRetain,
        };
    }
}
