//! One runtime-c kernel call as C text: the function and its arguments, pushed one at a time in
//! the order of the kernel's prototype (`runtime-c/include/tmlc/*.h`), so no call is a format
//! string with a score of positional `{}`.

/// A call being built.
pub struct KernelCall {
    function: String,
    arguments: Vec<String>,
}

impl KernelCall {
    pub fn new(function: impl Into<String>) -> KernelCall {
        KernelCall {
            function: function.into(),
            arguments: Vec::new(),
        }
    }

    /// Appends one argument.
    pub fn arg(mut self, value: impl ToString) -> KernelCall {
        self.arguments.push(value.to_string());
        self
    }

    /// Appends several arguments in order.
    pub fn args<T: ToString>(mut self, values: impl IntoIterator<Item = T>) -> KernelCall {
        self.arguments
            .extend(values.into_iter().map(|v| v.to_string()));
        self
    }

    /// The call as a C statement: `function(a, b, c);`.
    pub fn statement(&self) -> String {
        format!("{}({});", self.function, self.arguments.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::KernelCall;

    #[test]
    fn arguments_are_joined_in_order() {
        let call = KernelCall::new("tmlc_clamp_s8")
            .arg("in")
            .args(["out", "8"])
            .arg(-128);
        assert_eq!(call.statement(), "tmlc_clamp_s8(in, out, 8, -128);");
    }
}
