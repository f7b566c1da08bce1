namespace ZeroDepMqtt.Protocol;

/// <summary>CONNACK return codes, the same values in 3.1 and 3.1.1 (MQTT 3.1.1 Table 3.1).</summary>
public enum ConnectReturnCode : byte
{
    /// <summary>0: connection accepted.</summary>
    Accepted = 0,
    /// <summary>1: the broker does not support the requested protocol level.</summary>
    UnacceptableProtocolVersion = 1,
    /// <summary>2: the client identifier is well-formed UTF-8 but not allowed by the broker.</summary>
    IdentifierRejected = 2,
    /// <summary>3: the network connection is up but the MQTT service is unavailable.</summary>
    ServerUnavailable = 3,
    /// <summary>4: the user name or password is malformed or wrong.</summary>
    BadUserNameOrPassword = 4,
    /// <summary>5: the client is not authorized to connect.</summary>
    NotAuthorized = 5,
}

/// <summary>Human-readable meanings of <see cref="ConnectReturnCode"/>.</summary>
public static class ConnectReturnCodeExtensions
{
    /// <summary>The meaning of a return code as the spec words it; codes 6–255 are reserved.</summary>
    public static string Describe(this ConnectReturnCode code) => code switch
    {
        ConnectReturnCode.Accepted => "connection accepted",
        ConnectReturnCode.UnacceptableProtocolVersion => "unacceptable protocol version (the broker does not speak the requested MQTT level)",
        ConnectReturnCode.IdentifierRejected => "identifier rejected (the broker does not accept this client id)",
        ConnectReturnCode.ServerUnavailable => "server unavailable",
        ConnectReturnCode.BadUserNameOrPassword => "bad user name or password",
        ConnectReturnCode.NotAuthorized => "not authorized",
        _ => $"reserved return code {(byte)code}",
    };
}
