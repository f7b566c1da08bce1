using System.Globalization;
using System.Text;

namespace ZeroDepMqtt.Sink.Shaping;

internal enum TokenKind { Identifier, Field, Variable, String, Number, LeftParen, RightParen, Pipe, Declare, Assign, Comma }

/// <summary>A token inside <c>{{ }}</c>. A field is <c>.a.b</c> (or <c>.</c>); a variable <c>$x</c> or <c>$</c>, with an optional field path.</summary>
internal readonly record struct Token(TokenKind Kind, string Text, string[] Path, double Number = 0, bool IsInteger = false);

/// <summary>Splits the inside of one action into tokens; throws <see cref="FormatException"/> naming what it cannot read.</summary>
internal static class TemplateLexer
{
    public static List<Token> Read(string action)
    {
        var tokens = new List<Token>();
        int i = 0;
        while (i < action.Length)
        {
            char c = action[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            switch (c)
            {
                case '(': tokens.Add(new Token(TokenKind.LeftParen, "(", [])); i++; continue;
                case ')': tokens.Add(new Token(TokenKind.RightParen, ")", [])); i++; continue;
                case '|': tokens.Add(new Token(TokenKind.Pipe, "|", [])); i++; continue;
                case ',': tokens.Add(new Token(TokenKind.Comma, ",", [])); i++; continue;
                case '=': tokens.Add(new Token(TokenKind.Assign, "=", [])); i++; continue;
                case ':' when i + 1 < action.Length && action[i + 1] == '=': tokens.Add(new Token(TokenKind.Declare, ":=", [])); i += 2; continue;
                case '"': tokens.Add(new Token(TokenKind.String, QuotedString(action, ref i), [])); continue;
                case '`':
                {
                    int close = action.IndexOf('`', i + 1);
                    if (close < 0) throw new FormatException("a raw string (`...`) is not closed");
                    tokens.Add(new Token(TokenKind.String, action[(i + 1)..close], []));
                    i = close + 1;
                    continue;
                }
                case '\'': throw new FormatException("character constants ('x') are not supported; use a string \"x\"");
                case '.':
                    if (i + 1 < action.Length && char.IsAsciiDigit(action[i + 1])) break; // .5 is a number
                    tokens.Add(new Token(TokenKind.Field, ".", Path(action, ref i)));
                    continue;
                case '$':
                {
                    int start = ++i;
                    while (i < action.Length && IsNameChar(action[i])) i++;
                    string name = "$" + action[start..i];
                    tokens.Add(new Token(TokenKind.Variable, name, i < action.Length && action[i] == '.' ? Path(action, ref i) : []));
                    continue;
                }
            }
            if (char.IsAsciiDigit(c) || c is '-' or '+' or '.')
            {
                int start = i++;
                while (i < action.Length && (char.IsAsciiLetterOrDigit(action[i]) || action[i] is '.' or '_' || (action[i] is '-' or '+' && action[i - 1] is 'e' or 'E')))
                    i++;
                string text = action[start..i].Replace("_", "", StringComparison.Ordinal);
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
                    throw new FormatException($"\"{action[start..i]}\" is not a number this sink reads (decimal numbers only)");
                bool integer = long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);
                tokens.Add(new Token(TokenKind.Number, text, [], value, integer));
                continue;
            }
            if (IsNameChar(c))
            {
                int start = i;
                while (i < action.Length && IsNameChar(action[i])) i++;
                tokens.Add(new Token(TokenKind.Identifier, action[start..i], []));
                continue;
            }
            throw new FormatException($"unexpected character '{c}'");
        }
        return tokens;
    }

    private static bool IsNameChar(char c) => char.IsLetterOrDigit(c) || c == '_';

    // ".a.b" from the dot at i; "." alone is an empty path.
    private static string[] Path(string s, ref int i)
    {
        var parts = new List<string>();
        while (i < s.Length && s[i] == '.')
        {
            int start = ++i;
            while (i < s.Length && IsNameChar(s[i])) i++;
            if (i == start)
            {
                if (parts.Count > 0) throw new FormatException("a field path ends with '.'");
                break;
            }
            parts.Add(s[start..i]);
        }
        return [.. parts];
    }

    private static string QuotedString(string s, ref int i)
    {
        var b = new StringBuilder();
        for (i++; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '"') { i++; return b.ToString(); }
            if (c != '\\') { b.Append(c); continue; }
            if (++i >= s.Length) break;
            switch (s[i])
            {
                case 'n': b.Append('\n'); break;
                case 't': b.Append('\t'); break;
                case 'r': b.Append('\r'); break;
                case '\\': b.Append('\\'); break;
                case '"': b.Append('"'); break;
                default: throw new FormatException($"the escape \\{s[i]} in a string is not supported (use \\n \\t \\r \\\\ \\\")");
            }
        }
        throw new FormatException("a string (\"...\") is not closed");
    }
}
