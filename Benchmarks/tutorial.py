"""The PyTorch tutorial programs that Sources/VecgradTutorial/main.swift ports line by line.

Run with PyTorch installed (make anchors sets up .venv): python Benchmarks/tutorial.py
Its output is committed as Benchmarks/tutorial.expected.txt; `make tutorial` diffs ours against it.
"""
import torch
import torch.nn.functional as F
from torch.autograd import Variable

print("== torch and arrays ==")
np_data = list(range(6))
torch_data = torch.tensor(np_data, dtype=torch.float32).reshape(2, 3)
print("array:", np_data)
print("torch:", torch_data)
print("back to array:", torch_data.flatten().tolist())

data = [-1, -2, 1, 2]
tensor = torch.FloatTensor(data)
print("abs:", torch.abs(tensor))
print("sin:", torch.sin(tensor))
print("mean:", torch.mean(tensor))

print("== Variable ==")
tensor = torch.FloatTensor([[1, 2], [3, 4]])
variable = Variable(tensor, requires_grad=True)
t_out = torch.mean(tensor * tensor)
v_out = torch.mean(variable * variable)
print(t_out)
print(v_out)
v_out.backward()
print(variable.grad)
print(variable)
print(variable.data)
print(v_out.grad_fn.name())

print("== activations on linspace(-5, 5, 200) ==")
x = torch.linspace(-5, 5, 200)
for name, f in [("relu", F.relu), ("sigmoid", torch.sigmoid), ("tanh", torch.tanh), ("softplus", F.softplus)]:
    y = f(x)
    print(name, y[:3], y[98:102], y[-3:])

print("== MSE and autograd.grad ==")
w = torch.tensor(3.0, requires_grad=True)
x = torch.tensor(1.0)
target = torch.tensor(1.0)
loss = F.mse_loss(w * x, target)
print(loss)
(dw,) = torch.autograd.grad(loss, w, retain_graph=True)
print(dw)
loss.backward()
print(w.grad)

print("== softmax gradient ==")
a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
p = F.softmax(a, dim=0)
print(p)
(g,) = torch.autograd.grad(p[1], a)
print(g)

print("== mul and max ==")
m = torch.tensor([[1.0, 5.0, 2.0], [4.0, 3.0, 6.0]], requires_grad=True)
n = torch.tensor([[2.0, 1.0, 0.5], [1.0, 2.0, 1.0]])
prod = m * n
print(prod)
values, indices = prod.max(dim=1)
print(values)
print(indices)
values.sum().backward()
print(m.grad)
print(torch.maximum(m.detach(), n))

print("== manual SGD (d2l's linear regression from scratch) ==")
true_w = torch.tensor([[2.0], [-3.4]])
true_b = 4.2
features = torch.sin(torch.linspace(0, 40, 40)).reshape(20, 2)
labels = features.mm(true_w) + true_b
w = torch.zeros(2, 1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
lr, batch_size = 0.5, 5
for epoch in range(5):
    for i in range(0, 20, batch_size):
        X, y = features[i:i + batch_size], labels[i:i + batch_size]
        diff = X.mm(w) + b - y
        l = diff * diff / 2
        l.sum().backward()
        with torch.no_grad():
            for param in [w, b]:
                param -= lr * param.grad / batch_size
                param.grad.zero_()
    with torch.no_grad():
        diff = features.mm(w) + b - labels
        print(f"epoch {epoch + 1}, loss", (diff * diff / 2).mean())
print(w.t())
print(b)
b.data -= 0.2
print(b)
