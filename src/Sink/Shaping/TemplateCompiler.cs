using System.Text;

namespace ZeroDepMqtt.Sink.Shaping;

/// <summary>
/// Parses the supported subset of Go's text/template once, at load time: text, <c>{{pipeline}}</c>, <c>{{if}}</c> /
/// <c>{{else if}}</c> / <c>{{else}}</c>, <c>{{range}}</c> (with <c>$i, $e :=</c>), <c>{{with}}</c>, variables
/// (<c>$x := …</c>, <c>$</c>), pipes, parentheses, comments, and <c>{{-</c> / <c>-}}</c> trimming. Anything else is a
/// <see cref="FormatException"/> that names the construct and its position.
/// </summary>
internal sealed class TemplateCompiler
{
    private sealed class Frame(TemplateNode owner, List<TemplateNode> target, bool chained)
    {
        public TemplateNode Owner { get; } = owner;
        public List<TemplateNode> Target { get; set; } = target;
        public bool Chained { get; } = chained;   // an {{else if}}: closed by its parent's {{end}}
        public bool InElse { get; set; }
    }

    private readonly List<Frame> _frames = [];
    private readonly List<Dictionary<string, int>> _scopes = [new(StringComparer.Ordinal) { ["$"] = 0 }];
    private readonly List<TemplateNode> _root = [];
    private int _slots = 1;

    public static CompiledTemplate Compile(string template)
    {
        var compiler = new TemplateCompiler();
        compiler.Run(template);
        return new CompiledTemplate(template, compiler._root, compiler._slots);
    }

    private List<TemplateNode> Target => _frames.Count == 0 ? _root : _frames[^1].Target;

    private void Run(string s)
    {
        int i = 0;
        var text = new StringBuilder();
        while (i < s.Length)
        {
            int open = s.IndexOf("{{", i, StringComparison.Ordinal);
            if (open < 0) { text.Append(s, i, s.Length - i); break; }
            text.Append(s, i, open - i);
            int start = open + 2;
            bool trimLeft = start + 1 < s.Length && s[start] == '-' && char.IsWhiteSpace(s[start + 1]);
            if (trimLeft) start += 2;
            int close = FindClose(s, start, open);
            int end = close;
            bool trimRight = end - 2 >= start && s[end - 1] == '-' && char.IsWhiteSpace(s[end - 2]);
            if (trimRight) end -= 2;
            if (trimLeft) TrimEnd(text);
            Flush(text);
            try
            {
                Action(s[start..end].Trim());
            }
            catch (FormatException e)
            {
                throw new FormatException($"{e.Message} (in {{{{{Shorten(s[start..end].Trim())}}}}} at character {open + 1})");
            }
            i = close + 2;
            if (trimRight) while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
        }
        Flush(text);
        if (_frames.Count > 0)
            throw new FormatException($"{{{{{KeywordOf(_frames[^1].Owner)}}}}} has no {{{{end}}}}");
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..37] + "...";

    private static int FindClose(string s, int from, int open)
    {
        bool comment = s.AsSpan(from).TrimStart().StartsWith("/*");
        if (comment)
        {
            int endComment = s.IndexOf("*/", from, StringComparison.Ordinal);
            int c = endComment < 0 ? -1 : s.IndexOf("}}", endComment, StringComparison.Ordinal);
            if (c < 0) throw new FormatException($"the comment at character {open + 1} is not closed with */}}}}");
            return c;
        }
        for (int i = from; i < s.Length - 1; i++)
        {
            char ch = s[i];
            if (ch is '"' or '`')
            {
                for (i++; i < s.Length && s[i] != ch; i++)
                    if (ch == '"' && s[i] == '\\') i++;
                continue;
            }
            if (ch == '}' && s[i + 1] == '}') return i;
        }
        throw new FormatException($"the action at character {open + 1} is not closed with }}}}");
    }

    private static void TrimEnd(StringBuilder b)
    {
        int n = b.Length;
        while (n > 0 && char.IsWhiteSpace(b[n - 1])) n--;
        b.Length = n;
    }

    private void Flush(StringBuilder text)
    {
        if (text.Length == 0) return;
        Target.Add(new TextNode(Encoding.UTF8.GetBytes(text.ToString())));
        text.Clear();
    }

    private void Action(string action)
    {
        if (action.StartsWith("/*", StringComparison.Ordinal)) return;
        var tokens = TemplateLexer.Read(action);
        if (tokens.Count == 0) throw new FormatException("empty action");
        var first = tokens[0];
        if (first.Kind == TokenKind.Identifier)
        {
            switch (first.Text)
            {
                case "if": Open(new IfNode(Pipe(tokens, 1, "if"), with: false)); return;
                case "with": Open(new IfNode(Pipe(tokens, 1, "with"), with: true)); return;
                case "range": Range(tokens); return;
                case "else": Else(tokens); return;
                case "end":
                    if (tokens.Count > 1) throw new FormatException("{{end}} takes nothing after it");
                    End();
                    return;
                case "define" or "template" or "block" or "break" or "continue":
                    throw new FormatException($"{{{{{first.Text}}}}} is not supported by this sink's templates");
            }
        }
        if (first.Kind == TokenKind.Variable && tokens.Count > 1 && tokens[1].Kind is TokenKind.Declare or TokenKind.Assign)
        {
            if (first.Path.Length > 0 || first.Text == "$") throw new FormatException($"cannot assign to {first.Text}");
            int slot = tokens[1].Kind == TokenKind.Declare ? Declare(first.Text) : Lookup(first.Text);
            Target.Add(new SetNode(slot, Pipe(tokens, 2, first.Text)));
            return;
        }
        Target.Add(new OutputNode(Pipe(tokens, 0, null)));
    }

    private void Open(TemplateNode node, bool chained = false)
    {
        Target.Add(node);
        var body = node switch { IfNode n => n.Then, RangeNode r => r.Body, _ => throw new InvalidOperationException() };
        _frames.Add(new Frame(node, body, chained));
        _scopes.Add(new Dictionary<string, int>(StringComparer.Ordinal));
    }

    private void Range(List<Token> tokens)
    {
        int key = -1, value = -1, at = 1;
        int declare = tokens.FindIndex(t => t.Kind == TokenKind.Declare);
        // Declared before the scope opens would be wrong: the variables belong to the range's scope.
        _scopes.Add(new Dictionary<string, int>(StringComparer.Ordinal));
        if (declare > 0)
        {
            var names = tokens[1..declare];
            if (names is [{ Kind: TokenKind.Variable, Path: [] } v]) value = Declare(v.Text);
            else if (names is [{ Kind: TokenKind.Variable, Path: [] } k, { Kind: TokenKind.Comma }, { Kind: TokenKind.Variable, Path: [] } e])
                (key, value) = (Declare(k.Text), Declare(e.Text));
            else throw new FormatException("range declares \"$e :=\" or \"$i, $e :=\"");
            at = declare + 1;
        }
        var node = new RangeNode(Pipe(tokens, at, "range"), key, value);
        Target.Add(node);
        _frames.Add(new Frame(node, node.Body, chained: false));
    }

    private void Else(List<Token> tokens)
    {
        if (_frames.Count == 0) throw new FormatException("{{else}} outside {{if}}, {{with}} or {{range}}");
        var frame = _frames[^1];
        if (frame.InElse) throw new FormatException("a second {{else}} for one {{if}}");
        frame.InElse = true;
        var elseList = new List<TemplateNode>();
        switch (frame.Owner)
        {
            case IfNode n: n.Else = elseList; break;
            case RangeNode r: r.Else = elseList; break;
        }
        frame.Target = elseList;
        if (tokens.Count == 1) return;
        if (tokens[1] is { Kind: TokenKind.Identifier, Text: "if" or "with" } kw && frame.Owner is IfNode)
        {
            Open(new IfNode(Pipe(tokens, 2, kw.Text), with: kw.Text == "with"), chained: true);
            return;
        }
        throw new FormatException("{{else}} is followed by something other than \"if\"");
    }

    private void End()
    {
        if (_frames.Count == 0) throw new FormatException("{{end}} without {{if}}, {{with}} or {{range}}");
        bool chained;
        do
        {
            chained = _frames[^1].Chained;
            _frames.RemoveAt(_frames.Count - 1);
            _scopes.RemoveAt(_scopes.Count - 1);
        } while (chained);
    }

    private int Declare(string name)
    {
        _scopes[^1][name] = _slots;
        return _slots++;
    }

    private int Lookup(string name)
    {
        for (int s = _scopes.Count - 1; s >= 0; s--)
            if (_scopes[s].TryGetValue(name, out int slot)) return slot;
        throw new FormatException($"undefined variable {name}");
    }

    private Pipeline Pipe(List<Token> tokens, int from, string? keyword)
    {
        if (from >= tokens.Count) throw new FormatException(keyword is null ? "empty pipeline" : $"{{{{{keyword}}}}} needs a value after it");
        int at = from;
        var pipeline = ParsePipeline(tokens, ref at, piped: false);
        if (at < tokens.Count) throw new FormatException($"unexpected \"{tokens[at].Text}\"");
        return pipeline;
    }

    private Pipeline ParsePipeline(List<Token> tokens, ref int at, bool piped)
    {
        var commands = new List<Command>();
        while (true)
        {
            commands.Add(ParseCommand(tokens, ref at, commands.Count > 0));
            if (at < tokens.Count && tokens[at].Kind == TokenKind.Pipe) { at++; continue; }
            return new Pipeline([.. commands]);
        }
    }

    private Command ParseCommand(List<Token> tokens, ref int at, bool receivesPipe)
    {
        if (at >= tokens.Count) throw new FormatException("a pipe \"|\" with nothing after it");
        var first = tokens[at];
        var args = new List<Operand>();
        TemplateFunction? function = null;
        string? name = null;
        int min = 0, max = 0;
        if (first.Kind == TokenKind.Identifier && first.Text is not ("true" or "false" or "nil"))
        {
            if (!TemplateFunctions.TryFind(first.Text, out var f, out min, out max))
                throw new FormatException($"the function \"{first.Text}\" is not supported; supported: {TemplateFunctions.Names}");
            function = f;
            name = first.Text;
            at++;
        }
        while (at < tokens.Count && tokens[at].Kind is not (TokenKind.Pipe or TokenKind.RightParen))
            args.Add(ParseOperand(tokens, ref at));
        int count = args.Count + (receivesPipe ? 1 : 0);
        if (function is null)
        {
            if (args.Count == 0) throw new FormatException("a pipe \"|\" must lead to a function");
            if (args.Count > 1 || receivesPipe) throw new FormatException($"\"{first.Text}\" is not a function and takes no arguments");
        }
        else if (count < min || (max >= 0 && count > max))
            throw new FormatException($"{name} takes {(min == max ? $"{min}" : max < 0 ? $"at least {min}" : $"{min} to {max}")} argument(s), not {count}");
        return new Command(function, [.. args]);
    }

    private Operand ParseOperand(List<Token> tokens, ref int at)
    {
        var t = tokens[at++];
        switch (t.Kind)
        {
            case TokenKind.Field: return new Operand { Kind = OperandKind.Field, Path = Utf8(t.Path) };
            case TokenKind.Variable: return new Operand { Kind = OperandKind.Field, Slot = Lookup(t.Text), Path = Utf8(t.Path) };
            case TokenKind.String: return new Operand { Kind = OperandKind.String, Text = t.Text };
            case TokenKind.Number: return new Operand { Kind = OperandKind.Number, Number = t.Number, IsInteger = t.IsInteger };
            case TokenKind.Identifier when t.Text is "true" or "false": return new Operand { Kind = OperandKind.Bool, Bool = t.Text == "true" };
            case TokenKind.Identifier when t.Text == "nil": return new Operand { Kind = OperandKind.Nil };
            case TokenKind.Identifier:
                throw new FormatException(TemplateFunctions.TryFind(t.Text, out _, out _, out _)
                    ? $"the function \"{t.Text}\" as an argument needs parentheses: ({t.Text} ...)"
                    : $"the function \"{t.Text}\" is not supported; supported: {TemplateFunctions.Names}");
            case TokenKind.LeftParen:
            {
                var inner = ParsePipeline(tokens, ref at, piped: false);
                if (at >= tokens.Count || tokens[at].Kind != TokenKind.RightParen) throw new FormatException("a \"(\" is not closed");
                at++;
                if (at < tokens.Count && tokens[at].Kind == TokenKind.Field)
                    throw new FormatException("a field after parentheses, (...).x, is not supported; use index");
                return new Operand { Kind = OperandKind.Pipeline, Pipeline = inner };
            }
            default: throw new FormatException($"unexpected \"{t.Text}\"");
        }
    }

    private static byte[][] Utf8(string[] path) => [.. path.Select(Encoding.UTF8.GetBytes)];

    private static string KeywordOf(TemplateNode node) => node switch
    {
        IfNode { With: true } => "with",
        IfNode => "if",
        _ => "range",
    };
}
