package redact

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestString(t *testing.T) {
	cases := []struct{ in, want string }{
		// Chinese mobile numbers.
		{"call 13812345678 now", "call [phone] now"},
		{"手机13912345678", "手机[phone]"},
		{"电话：138-1234-5678。", "电话：[phone]。"},
		{"138 1234 5678", "[phone]"},
		{"+86 138 1234 5678", "[phone]"},
		{"+8613812345678", "[phone]"},
		{"0086 13912345678", "[phone]"},
		{"86-15012345678", "[phone]"},
		{"联系人电话(+86)18612345678", "联系人电话[phone]"},
		// Chinese landlines.
		{"电话：021-12345678", "电话：[phone]"},
		{"(010) 6552 1234 转 8", "[phone] 转 8"},
		{"0755-8765432", "[phone]"},
		{"座机01065521234", "座机[phone]"},
		// International numbers.
		{"UK office +44 20 7946 0958", "UK office [phone]"},
		{"call +1 (415) 555-0132", "call [phone]"},
		{"(555) 123-4567 ext", "[phone] ext"},
		{"555-123-4567", "[phone]"},
		{"0044 20 7946 0958", "[phone]"},
		// E-mail addresses.
		{"mail me: zhang.san@example.com", "mail me: [email]"},
		{"邮箱zhangsan@qq.com谢谢", "邮箱[email]谢谢"},
		{"first.last+tag@sub.example.co.uk.", "[email]."},
		{"josé.garcía@correo.es", "[email]"},
		{"zhang at example dot com", "[email]"},
		{"write to zhang [at] example [dot] com", "write to [email]"},
		{"li(at)mail(dot)cn", "[email]"},
		{"user＠example.com", "[email]"},
		// Identity numbers.
		{"身份证 11010519491231002X", "身份证 [id_number]"},
		{"身份证号440304199001011233", "身份证号[id_number]"},
		{"id 310115 19851120 4566", "id [id_number]"},
		{"510107200012290030,", "[id_number],"},
		{"旧身份证 110105491231002", "旧身份证 [id_number]"},
		// Bank cards.
		{"卡号 6222 0212 3456 7890 128", "卡号 [bank_card]"},
		{"card 4111-1111-1111-1111 exp", "card [bank_card] exp"},
		{"5500005555555559", "[bank_card]"},
		{"Amex 378282246310005", "Amex [bank_card]"},
		{"6217001234567893 转账", "[bank_card] 转账"},
		// Addresses.
		{"我住在上海市浦东新区张江路100号3栋501室", "我住在[address]"},
		{"地址：北京市海淀区中关村大街27号", "地址：[address]"},
		{"寄到阳光小区3栋2单元501室", "寄到[address]"},
		{"广东省深圳市南山区科技园路88弄6号1201室，谢谢", "[address]，谢谢"},
		{"ship to 1600 Pennsylvania Avenue, Apt 4B please", "ship to [address] please"},
		{"I live at 221B Baker Street.", "I live at [address]"},
		{"42 Wallaby Way, Sydney", "[address], Sydney"},
		{"350 5th Ave, Suite 300", "[address]"},
		// Mixed.
		{"张三 13812345678 zhangsan@qq.com", "张三 [phone] [email]"},
		{"13812345678@qq.com", "[email]"},
	}
	for _, c := range cases {
		if got := String(c.in); got != c.want {
			t.Errorf("String(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// Numbers that are not personal data stay as they are.
func TestStringKeepsOrdinaryNumbers(t *testing.T) {
	for _, s := range []string{
		"订单号 20231101123456",
		"order 202311011234567891", // 18 digits, bad check digit
		"price 1299.00",
		"¥1,299 包邮",
		"2023-11-01 12:30",
		"2023/11/01",
		"SKU13812345678",
		"item_13812345678",
		"A-100 and B-200",
		"库存 12345 件",
		"限时 5 折，满 300 减 50",
		"4111111111111112", // fails Luhn
		"1234567890123456", // Luhn-invalid and no card prefix
		"version 1.2.3",
		"3 items on the way",
		"北京市朝阳区", // a district alone is not an address
		"meet at noon dot",
		"phone number: none",
		"",
	} {
		if got := String(s); got != s {
			t.Errorf("String(%q) = %q, want it unchanged", s, got)
		}
		if Contains(s) {
			t.Errorf("Contains(%q) = true", s)
		}
	}
}

func TestFind(t *testing.T) {
	s := "张三 13812345678，邮箱 a@b.cn，卡 4111111111111111"
	got := Find(s)
	want := []string{Phone, Email, BankCard}
	if len(got) != len(want) {
		t.Fatalf("Find = %+v, want kinds %v", got, want)
	}
	for i, sp := range got {
		if sp.Kind != want[i] {
			t.Errorf("span %d kind %q, want %q", i, sp.Kind, want[i])
		}
		if strings.ContainsAny(s[sp.Start:sp.End], "，张") {
			t.Errorf("span %d %q reaches into its neighbours", i, s[sp.Start:sp.End])
		}
	}
	if s[got[0].Start:got[0].End] != "13812345678" {
		t.Errorf("phone span %q", s[got[0].Start:got[0].End])
	}
}

func TestCheckDigits(t *testing.T) {
	for _, c := range []struct {
		id string
		ok bool
	}{
		{"11010519491231002X", true},
		{"11010519491231002x", true},
		{"110105194912310021", false}, // wrong check digit
		{"440304199001011233", true},
		{"440304199013011232", false}, // month 13
		{"910304199001011233", false}, // region 9
	} {
		if got := validID18([]byte(c.id)); got != c.ok {
			t.Errorf("validID18(%s) = %v, want %v", c.id, got, c.ok)
		}
	}
	for _, c := range []struct {
		n  string
		ok bool
	}{{"4111111111111111", true}, {"4111111111111112", false}, {"79927398713", true}, {"79927398710", false}} {
		if got := luhn([]byte(c.n)); got != c.ok {
			t.Errorf("luhn(%s) = %v, want %v", c.n, got, c.ok)
		}
	}
}

func TestLongInputIsLinear(t *testing.T) {
	// Many short digit groups in one run must not make the sub-run search
	// quadratic; 200 KB of them should take well under a second.
	s := strings.Repeat("1 2-3 ", 1<<15)
	if got := String(s); got != s {
		t.Fatalf("digit soup changed")
	}
}

func FuzzString(f *testing.F) {
	for _, s := range []string{
		"call 13812345678 now", "+86 (21) 1234 5678", "a@b.co13812345678", "11010519491231002X",
		"6222 0212 3456 7890 128", "我住在上海市浦东新区张江路100号3栋501室", "1600 Pennsylvania Avenue, Apt 4B",
		"zhang at example dot com", "订单号 20231101123456", "price 1299.00", "\xff\xfe13812345678", "++((1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := String(s)
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Fatalf("String(%q) = %q is not valid UTF-8", s, out)
		}
		if again := String(out); again != out {
			t.Fatalf("not idempotent: String(%q) = %q, again %q", s, out, again)
		}
		if spans := Find(out); len(spans) > 0 {
			t.Fatalf("String(%q) = %q still holds %+v", s, out, spans)
		}
		prev := 0
		for _, sp := range Find(s) {
			if sp.Start < prev || sp.End <= sp.Start || sp.End > len(s) {
				t.Fatalf("Find(%q): bad span %+v", s, sp)
			}
			prev = sp.End
		}
	})
}

func BenchmarkString(b *testing.B) {
	// One KB of mixed marketing text with a little personal data.
	unit := "新品上市，限时 5 折！联系 13812345678 或 service@example.com。订单号 20231101123456，价格 1299.00 元。" +
		"Free shipping over $50 on all orders, see our store at 12 Market Street. "
	var sb strings.Builder
	for sb.Len() < 1024 {
		sb.WriteString(unit)
	}
	s := sb.String()[:1024]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	b.SetBytes(int64(len(s)))
	b.ResetTimer()
	for b.Loop() {
		String(s)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)*1024/float64(len(s)), "ns/KB")
}
