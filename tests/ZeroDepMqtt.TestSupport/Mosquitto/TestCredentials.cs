namespace ZeroDepMqtt.TestSupport;

/// <summary>The user the password-file brokers accept.</summary>
public static class TestCredentials
{
    /// <summary>The user name.</summary>
    public const string UserName = "zdmqtt-user";

    /// <summary>The right password.</summary>
    public const string Password = "right-password";

    /// <summary>The <see cref="MosquittoOptions.Users"/> map of this user.</summary>
    public static IReadOnlyDictionary<string, string> Users => new Dictionary<string, string> { [UserName] = Password };
}
